"""The read API against moto: statuses, problems, caching, cursors, one read per request, Lambda events."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from infra.event_sources import LambdaContext
from starlette.testclient import TestClient

from newsfeed.api.app import create_app
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.content import ContentTable
from newsfeed.logic.articles import content_change
from newsfeed.models.article import Gone, Moved, UploadRecord
from tests.conftest import Stack
from tests.factories import EPOCH, SITE, article

EVENTS = Path(__file__).parent.parent.parent / "events" / "lambda"


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
        table.save(
            content_change(UploadRecord(key=a.source_key, article_id=a.id, slug=a.slug, order="S1"), a)
        )
    return table


@pytest.fixture
def reads(table: ContentTable) -> list[str]:
    """The DynamoDB operations made from here on."""
    calls: list[str] = []
    table.client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    return calls


@pytest.fixture
def client(table: ContentTable) -> TestClient:
    return TestClient(create_app(table, SITE, FeedBookkeeping(table.table)))


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
    assert response.headers["access-control-allow-origin"] == "*"
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
    gone_article = table.article_record("metro-opens")
    assert gone_article is not None
    record = UploadRecord(
        key="inbox/article-2.md", article_id=gone_article.id, slug="metro-opens", order="S2"
    )
    table.save(
        content_change(
            record, Gone(id=gone_article.id, slug="metro-opens", unpublished_at=EPOCH), replaces=gone_article
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
    assert isinstance(table.article_record("old-name"), Moved)


def test_related(client: TestClient, reads: list[str]) -> None:
    response = client.get("/articles/budget-approved/related")
    assert response.status_code == 200
    assert response.json() == {"items": []}
    assert reads == ["GetItem"]


def test_unexpected_errors_are_500_problems_without_internals(table: ContentTable) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail")

    table.article_record = explode  # type: ignore[method-assign]
    response = TestClient(
        create_app(table, SITE, FeedBookkeeping(table.table)), raise_server_exceptions=False
    ).get("/articles/budget-approved")
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
    table.save(
        content_change(
            UploadRecord(key="inbox/b.md", article_id=later.id, slug=later.slug, order="S1"), later
        )
    )
    assert "breaking" not in [a["slug"] for a in client.get("/articles").json()["items"]]
