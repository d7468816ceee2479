"""The read API against moto: statuses, problems, caching, cursors, one read per request, Lambda events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra.event_sources import LambdaContext
from starlette.testclient import TestClient

from newsfeed.api.app import create_app
from newsfeed.dal.content import ContentTable
from newsfeed.logic.articles import content_change
from newsfeed.models.article import Moved, Unpublished
from newsfeed.models.upload import UploadRecord
from tests.support import ROOT
from tests.support.factories import EPOCH, SITE, article
from tests.support.moto import Stack

EVENTS = ROOT / "events" / "lambda"


@pytest.fixture
def table(stack: Stack) -> ContentTable:
    table = ContentTable(stack.table)
    for n in range(5):
        a = article(
            n,
            title=[
                "Kazakh leader offers explanation for crisis",
                "Budget approved",
                "Metro opens",
                "Tenge rises",
                "Straws study",
            ][n],
        )
        table.articles.save(
            content_change(UploadRecord(key=a.source_key, article_id=a.id, slug=a.slug, order="S1"), a)
        )
    return table


@pytest.fixture
def reads(stack: Stack) -> list[str]:
    """The DynamoDB operations made from here on (every store shares the process's client)."""
    from newsfeed.dal import clients

    calls: list[str] = []
    clients.dynamodb().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    return calls


@pytest.fixture
def client(table: ContentTable) -> TestClient:
    return TestClient(create_app(SITE, table.articles, lambda: table))


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"


def test_an_article(client: TestClient, reads: list[str]) -> None:
    response = client.get("/articles/kazakh-leader-offers-explanation-for-crisis")
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == "https://kazpost.example/articles/kazakh-leader-offers-explanation-for-crisis"
    assert body["body"] == "<p>Body of article 0.</p>"
    assert body["published_at"] == "2024-03-29T04:00:00.000Z"
    assert response.headers["content-type"] == "application/json"
    assert "access-control-allow-origin" not in response.headers  # the front door's: the template's CORS
    assert "max-age" in response.headers["cache-control"]
    assert reads == ["GetItem"]


def test_etag_and_304(client: TestClient) -> None:
    first = client.get("/articles/budget-approved")
    etag = first.headers["etag"]
    again = client.get("/articles/budget-approved", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/articles/budget-approved", headers={"If-None-Match": '"other"'}).status_code == 200
    listing = client.get("/articles")
    assert (
        client.get("/articles", headers={"If-None-Match": f"W/{listing.headers['etag']}"}).status_code == 304
    )


def test_newest_first_with_a_cursor_round_trip(client: TestClient, reads: list[str]) -> None:
    first = client.get("/articles", params={"limit": 2})
    body = first.json()
    assert [a["slug"] for a in body["items"]] == [
        "kazakh-leader-offers-explanation-for-crisis",
        "budget-approved",
    ]
    assert "body" not in body["items"][0]
    assert first.headers["link"] == f'<{body["next"]["url"]}>; rel="next"'
    second = client.get(body["next"]["url"]).json()
    assert [a["slug"] for a in second["items"]] == ["metro-opens", "tenge-rises"]
    third = client.get("/articles", params={"limit": 2, "cursor": second["next"]["cursor"]}).json()
    assert [a["slug"] for a in third["items"]] == ["straws-study"]
    assert "next" not in third
    assert reads == ["Query", "Query", "Query"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/articles?limit=0", "limit"),
        ("/articles?limit=101", "limit"),
        ("/articles?limit=ten", "limit"),
        ("/articles?cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("/articles?cursor=%00", "cursor"),
        ("/articles?sort=asc", "sort"),
        ("/articles?limit=1&limit=2", "limit"),
        ("/articles/Not-A-Slug", "slug"),
        ("/articles/a_b", "slug"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(
    client: TestClient, url: str, parameter: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["parameter"]) == (400, parameter)
    assert parameter in problem["detail"]


def test_unknown_article_and_route_are_404_problems(client: TestClient) -> None:
    for url in ("/articles/no-such-article", "/nowhere", "/articles/..%2F..%2Fetc%2Fpasswd"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Not Found"


def test_unpublished_is_410_and_moved_is_301(stack: Stack, table: ContentTable, client: TestClient) -> None:
    gone_article = table.articles.article_record("metro-opens")
    assert gone_article is not None
    record = UploadRecord(
        key="inbox/article-2.md", article_id=gone_article.id, slug="metro-opens", order="S2"
    )
    table.articles.save(
        content_change(
            record,
            Unpublished(id=gone_article.id, slug="metro-opens", unpublished_at=EPOCH),
            replaces=gone_article,
        )
    )
    response = client.get("/articles/metro-opens")
    assert response.status_code == 410
    assert response.json()["status"] == 410
    assert "metro-opens" not in [a["slug"] for a in client.get("/articles").json()["items"]]

    stack.dynamodb.put_item(
        TableName=stack.table,
        Item={
            "pk": {"S": "article#old-name"},
            "sk": {"S": "article"},
            "status": {"S": "moved"},
            "id": {"S": "x"},
            "slug": {"S": "old-name"},
            "moved_to": {"S": "budget-approved"},
        },
    )
    moved = client.get("/articles/old-name/related", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/articles/budget-approved/related"
    mounted = TestClient(
        create_app(SITE, table.articles, lambda: table), root_path="/api"
    )  # as make run mounts it
    for suffix in ("", "/related", "/revisions"):  # the redirect stays in the API
        moved = mounted.get(f"/api/articles/old-name{suffix}", follow_redirects=False)
        assert moved.headers["location"] == f"/api/articles/budget-approved{suffix}"
    assert isinstance(table.articles.article_record("old-name"), Moved)


def test_related(client: TestClient, reads: list[str]) -> None:
    response = client.get("/articles/budget-approved/related")
    assert response.status_code == 200
    assert response.json() == {"items": []}
    assert reads == ["GetItem"]


def test_revisions_are_one_get_and_one_query(client: TestClient, reads: list[str]) -> None:
    response = client.get("/articles/budget-approved/revisions")
    assert response.status_code == 200
    assert [(r["revision"], r["current"]) for r in response.json()["items"]] == [(1, True)]
    assert reads == ["GetItem", "Query"]


def test_unexpected_errors_are_500_problems_without_internals(table: ContentTable) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail")

    table.articles.stored_article = explode  # type: ignore[method-assign]
    response = TestClient(create_app(SITE, table.articles, lambda: table), raise_server_exceptions=False).get(
        "/articles/budget-approved"
    )
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["title"] == "Internal Server Error"


def lambda_event(name: str, **headers: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    event["headers"].update(headers)
    return event


def test_lambda_http_api_v2_events_through_mangum(stack: Stack, table: ContentTable) -> None:
    from newsfeed.handlers.api import handler

    context: Any = LambdaContext("ApiFunction")
    article_response = handler(lambda_event("api-get-article.json"), context)
    assert article_response["statusCode"] == 200
    assert json.loads(article_response["body"])["slug"] == "kazakh-leader-offers-explanation-for-crisis"
    etag = article_response["headers"]["etag"]
    assert (
        handler(lambda_event("api-get-article-if-none-match.json", **{"if-none-match": etag}), context)[
            "statusCode"
        ]
        == 304
    )
    listing = handler(lambda_event("api-list-articles.json"), context)
    assert len(json.loads(listing["body"])["items"]) == 2
    assert handler(lambda_event("api-related.json"), context)["statusCode"] == 200
    assert handler(lambda_event("api-health.json"), context)["statusCode"] == 200
    bad = handler(lambda_event("api-bad-limit.json"), context)
    assert (bad["statusCode"], bad["headers"]["content-type"]) == (400, "application/problem+json")


def test_lists_only_count_published_articles(table: ContentTable, client: TestClient) -> None:
    later = article(9, title="Breaking", published_at=EPOCH + timedelta(hours=1), status="draft")
    table.articles.save(
        content_change(
            UploadRecord(key="inbox/b.md", article_id=later.id, slug=later.slug, order="S1"), later
        )
    )
    assert "breaking" not in [a["slug"] for a in client.get("/articles").json()["items"]]


@pytest.fixture
def catalogue(stack: Stack) -> ContentTable:
    """Six articles over two sections, three tags and two authors, and their feed registry entries."""
    from newsfeed.dal.archives import FeedBookkeeping
    from newsfeed.logic.articles import scopes_of

    table = ContentTable(stack.table)
    specs = [
        ("Budget approved", "Economy", ["Budget", "Kazakhstan"], ["Ann Lee"]),
        ("Tenge rises", "Economy", ["Markets"], ["Bob Stone"]),
        ("Metro opens", "City", ["Transport", "Kazakhstan"], ["Ann Lee"]),
        ("Bus fares", "City", ["Transport"], ["Bob Stone"]),
        ("Oil exports", "Economy", ["Markets", "Kazakhstan"], ["Ann Lee"]),
        ("Park renewed", "City", ["Kazakhstan"], ["Bob Stone"]),
    ]
    book = FeedBookkeeping(stack.table)
    for n, (title, section, tags, authors) in enumerate(specs):
        a = article(
            n,
            title=title,
            section=section,
            tags=tags,
            authors=authors,
            published_at=EPOCH - timedelta(days=n),
        )
        table.articles.save(
            content_change(UploadRecord(key=a.source_key, article_id=a.id, slug=a.slug, order="S1"), a)
        )
        for scope in scopes_of(a):
            if scope.has_feed and scope.slug:
                book.register(scope)
    return table


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [a["slug"] for a in response.json()["items"]]


def test_filters_by_section_tag_author_and_dates(catalogue: ContentTable) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    assert slugs(client.get("/articles", params={"section": "economy"})) == [
        "budget-approved",
        "tenge-rises",
        "oil-exports",
    ]
    assert slugs(client.get("/articles", params={"tag": "kazakhstan"})) == [
        "budget-approved",
        "metro-opens",
        "oil-exports",
        "park-renewed",
    ]
    assert slugs(client.get("/articles", params={"tag": "kazakhstan", "section": "city"})) == [
        "metro-opens",
        "park-renewed",
    ]
    assert slugs(client.get("/articles", params={"author": "ann-lee", "tag": "kazakhstan"})) == [
        "budget-approved",
        "metro-opens",
        "oil-exports",
    ]
    day = (EPOCH - timedelta(days=2)).date().isoformat()
    assert slugs(client.get("/articles", params={"from": day, "to": day})) == ["metro-opens"]
    assert slugs(client.get("/articles", params={"from": day})) == [
        "budget-approved",
        "tenge-rises",
        "metro-opens",
    ]
    assert slugs(client.get("/articles", params={"to": "2024-03-25T04:00:00Z"})) == [
        "oil-exports",
        "park-renewed",
    ]
    assert slugs(client.get("/articles", params={"from": "2024-03-29", "to": "2024-03-01"})) == []
    for bad in ({"from": "yesterday"}, {"to": "2024-03-29T10:00:00"}, {"section": "Not A Slug"}):
        response = client.get("/articles", params=bad)
        assert (response.status_code, response.json()["parameter"]) == (400, next(iter(bad)))


DATE_LIKE = st.one_of(
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?\Z"
    ),
    st.text(max_size=40),
)


def test_date_filters_out_of_range_or_impossible_are_400_problems(catalogue: ContentTable) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    for name, value in [
        ("to", "9999-12-31"),
        ("to", "9999-12-31T23:59:59-05:00"),
        ("from", "0001-01-01T00:00:00+05:00"),
        ("from", "2024-02-30"),
        ("to", "2024-06-30T23:59:60Z"),
        ("from", "2024-03-29T10:00:00+24:00"),
    ]:
        response = client.get("/articles", params={name: value})
        assert response.status_code == 400, (name, value, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["parameter"] == name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["from", "to"]), value=DATE_LIKE)
def test_any_date_filter_is_answered_or_refused_never_a_500(
    catalogue: ContentTable, name: str, value: str
) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    response = client.get("/articles", params={name: value})
    assert response.status_code in (200, 400), (value, response.text)
    if response.status_code == 400:
        assert response.json()["parameter"] == name


def test_filtered_pages_follow_their_cursor(catalogue: ContentTable, reads: list[str]) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    seen, url, requests = [], "/articles?tag=kazakhstan&section=city&limit=1", 0
    while url:
        body = client.get(url).json()
        seen += [a["slug"] for a in body["items"]]
        url = body.get("next", {}).get("url")
        requests += 1
    assert seen == ["metro-opens", "park-renewed"]
    assert reads == ["Query"] * requests  # one bounded Query per page, filters or not


def test_sparse_fields(catalogue: ContentTable) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    body = client.get("/articles/metro-opens", params={"fields": "title,slug,published_at"}).json()
    assert body == {"title": "Metro opens", "slug": "metro-opens", "published_at": "2024-03-27T04:00:00.000Z"}
    response = client.get("/articles/metro-opens", params={"fields": "title,password"})
    assert (response.status_code, response.json()["parameter"]) == (400, "fields")


def test_sections_and_tags(catalogue: ContentTable, reads: list[str]) -> None:
    client = TestClient(create_app(SITE, catalogue.articles, lambda: catalogue))
    sections = client.get("/sections").json()["items"]
    assert [(s["slug"], s["name"]) for s in sections] == [("city", "City"), ("economy", "Economy")]
    assert sections[0]["url"] == "http://testserver/sections/city"
    assert sections[0]["feeds"]["atom"] == "https://feeds.kazpost.example/feeds/sections/city/atom.xml"
    page = client.get("/sections/economy", params={"limit": 2}).json()
    assert page["scope"]["name"] == "Economy"
    assert [a["slug"] for a in page["items"]] == ["budget-approved", "tenge-rises"]
    assert [a["slug"] for a in client.get(page["next"]["url"]).json()["items"]] == ["oil-exports"]
    tag = client.get("/tags/transport").json()
    assert (tag["scope"]["name"], [a["slug"] for a in tag["items"]]) == (
        "Transport",
        ["metro-opens", "bus-fares"],
    )
    assert [t["slug"] for t in client.get("/tags").json()["items"]] == [
        "budget",
        "kazakhstan",
        "markets",
        "transport",
    ]
    assert client.get("/sections/sport").status_code == 404
    assert client.get("/tags/Not_A_Tag").status_code == 400
    assert reads == ["Query"] * 6  # one per request; the invalid slug was refused without a read


def test_other_methods_are_405_with_allow(client: TestClient) -> None:
    response = client.post("/articles")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert response.headers["content-type"] == "application/problem+json"


def test_openapi_document_is_valid_and_generated_from_the_models(client: TestClient) -> None:
    from openapi_spec_validator import validate

    from newsfeed.models.api import ArticleOut

    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/health",
        "/articles",
        "/articles/{slug}",
        "/articles/{slug}/related",
        "/articles/{slug}/revisions",
        "/sections",
        "/sections/{slug}",
        "/tags",
        "/tags/{slug}",
        "/feeds",
        "/search",
    }
    article = document["components"]["schemas"]["ArticleOut"]
    assert set(article["properties"]) == set(ArticleOut.model_fields)
    names = [p["name"] for p in document["paths"]["/articles"]["get"]["parameters"]]
    assert {"section", "tag", "author", "from", "to", "limit", "cursor", "If-None-Match"} <= set(names)
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"] == "text/html; charset=utf-8"
    # Self-contained: every route and schema, nothing loaded from anywhere (no script, no external link).
    assert "<script" not in docs.text and "https://" not in docs.text.split("<h2>Schemas</h2>")[0]
    for path in document["paths"]:
        assert f" {path}</code></h2>" in docs.text.replace("&#x27;", "'")
    assert all(f'id="{name}"' in docs.text for name in document["components"]["schemas"])
    # Every parameter is explained, and the page shows code as code, not CommonMark's backticks.
    for path, methods in document["paths"].items():
        for parameter in methods["get"]["parameters"]:
            assert parameter.get("description"), (path, parameter["name"])
    assert "`" not in docs.text.split("<h2>Schemas</h2>")[0]
    assert "<code>next</code>" in docs.text


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/articles?limit=0", "'limit' must be at least 1"),
        ("/articles?limit=101", "'limit' must be at most 100"),
        ("/articles?limit=ten", "'limit' must be a whole number"),
        ("/articles/budget-approved/related?limit=0", "'limit' must be at least 1"),
    ],
)
def test_a_bad_parameter_is_explained_in_plain_words(client: TestClient, url: str, detail: str) -> None:
    assert client.get(url).json()["detail"] == detail


def test_every_sample_api_event_is_answered_as_documented(stack: Stack, catalogue: ContentTable) -> None:
    """events/lambda/api-*.json (for `sam local invoke` too), through Mangum, against the OpenAPI document."""
    from newsfeed.handlers.api import handler

    context: Any = LambdaContext("ApiFunction")
    document = json.loads(handler(lambda_event("api-openapi.json"), context)["body"])
    for path in sorted(EVENTS.glob("api-*.json")):
        event = json.loads(path.read_text())
        response = handler(event, context)
        route = (
            next(p for p in document["paths"] if _matches(p, event["rawPath"]))
            if "openapi" not in path.name
            else None
        )
        if route:
            assert str(response["statusCode"]) in document["paths"][route]["get"]["responses"], path.name
        assert response["statusCode"] < 500, (path.name, response)


def _matches(template: str, path: str) -> bool:
    import re

    return re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) is not None
