"""Upload -> S3 notification -> SQS -> ingest -> DynamoDB -> stream -> publisher -> feeds, in moto."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import jsonschema

from newsfeed.dal.content import ContentTable
from newsfeed.models.article import Article, Unpublished
from tests.support import ROOT
from tests.support.factories import markdown
from tests.support.moto import Stack
from tests.support.pipeline import api, report

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "jsonfeed-1.1.schema.json").read_text())
SAMPLES = ROOT / "events" / "articles"


def test_a_markdown_upload_reaches_the_api_and_both_feeds(stack: Stack) -> None:
    stack.put("crisis.md", markdown(tags="[Kazakhstan, Politics]", published_at="2024-03-29T09:00:00+05:00"))
    stack.drain()

    response = api(stack).get("/articles/kazakh-leader-offers-explanation-for-crisis")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Kazakh leader offers explanation for crisis"
    assert body["published_at"] == "2024-03-29T04:00:00.000Z"

    rss = feedparser.parse(stack.feed("feeds/rss.xml"))
    assert rss.bozo == 0
    assert [e.id for e in rss.entries] == [f"urn:uuid:{body['id']}"]
    feed = json.loads(stack.feed("feeds/feed.json"))
    jsonschema.validate(feed, SCHEMA)
    assert (
        feed["items"][0]["url"]
        == "https://kazpost.example/articles/kazakh-leader-offers-explanation-for-crisis"
    )
    head = stack.s3.head_object(Bucket=stack.public, Key="feeds/rss.xml")
    assert head["ContentType"] == "application/rss+xml; charset=utf-8"
    assert "max-age" in head["CacheControl"]
    assert (
        stack.s3.head_object(Bucket=stack.public, Key="feeds/feed.json")["ContentType"]
        == "application/feed+json; charset=utf-8"
    )


def test_every_sample_article_publishes_with_its_photo(stack: Stack) -> None:
    for photo in sorted((SAMPLES / "photos").iterdir()):  # sent first, as `newsfeed publish` does
        stack.put(f"photos/{photo.name}", photo.read_bytes())
    stack.drain()
    articles = sorted(path for path in SAMPLES.iterdir() if path.is_file())
    for path in articles:
        stack.put(path.name, path.read_bytes())
    stack.drain()
    listed = api(stack).get("/articles").json()["items"]
    assert len(listed) == len(articles)
    assert listed[0]["slug"] == "kazakh-leader-offers-explanation-for-crisis"  # newest first
    assert {a["section"] for a in listed} >= {"Kazakhstan News", "World"}
    for path in articles:
        assert report(stack, f"inbox/{path.name}") is None
    photographed = [a for a in listed if a.get("image")]
    assert photographed and all(a["image"]["renditions"] for a in photographed)


def test_a_file_without_a_title_is_reported_and_changes_nothing(stack: Stack) -> None:
    stack.put("good.md", markdown())
    stack.drain()
    before_rss = stack.feed()
    before_items = stack.dynamodb.scan(TableName=stack.table)["Items"]

    etag = stack.put("bad.md", "---\nsection: World\n---\nBody\n")
    stack.drain()
    rejection = report(stack, "inbox/bad.md")
    assert rejection is not None
    assert rejection["etag"] == etag
    assert rejection["problems"] == [{"field": "title", "message": "is required"}]
    assert stack.dynamodb.scan(TableName=stack.table)["Items"] == before_items
    assert stack.feed() == before_rss


def test_a_file_that_is_not_utf8_is_reported(stack: Stack) -> None:
    stack.put("latin1.md", markdown(title="Café society").encode("latin-1"))
    stack.drain()
    rejection = report(stack, "inbox/latin1.md")
    assert rejection is not None
    assert rejection["problems"][0]["field"] == "file"
    assert "UTF-8" in rejection["problems"][0]["message"]
    assert api(stack).get("/articles").json()["items"] == []


def test_a_script_in_the_body_is_sanitised_away(stack: Stack) -> None:
    stack.put("xss.md", markdown(body='Hello <script>alert("x")</script><img src=x onerror=alert(1)> world'))
    stack.drain()
    body = api(stack).get("/articles/kazakh-leader-offers-explanation-for-crisis").json()["body"]
    assert "<script" not in body and "onerror" not in body and "alert" not in body
    assert "Hello" in body and "world" in body
    assert b"<script" not in stack.feed() and b"onerror" not in stack.feed()


def test_a_valid_reupload_removes_the_rejection_report(stack: Stack) -> None:
    stack.put("a.md", "---\nsection: World\n---\nBody\n")
    stack.drain()
    assert report(stack, "inbox/a.md") is not None
    stack.put("a.md", markdown())
    stack.drain()
    assert report(stack, "inbox/a.md") is None
    assert api(stack).get("/articles/kazakh-leader-offers-explanation-for-crisis").status_code == 200


def test_reuploading_the_same_file_rewrites_nothing(stack: Stack) -> None:
    stack.put("a.md", markdown())
    stack.drain()
    table = ContentTable(stack.table)
    first = table.articles.article_record("kazakh-leader-offers-explanation-for-crisis")
    etags = {
        p: stack.s3.head_object(Bucket=stack.public, Key=p)["ETag"]
        for p in ("feeds/rss.xml", "feeds/feed.json")
    }
    modified = {p: stack.s3.head_object(Bucket=stack.public, Key=p)["LastModified"] for p in etags}

    stack.put("a.md", markdown())
    stack.drain()
    assert table.articles.article_record("kazakh-leader-offers-explanation-for-crisis") == first
    for path, etag in etags.items():
        head = stack.s3.head_object(Bucket=stack.public, Key=path)
        assert (head["ETag"], head["LastModified"]) == (etag, modified[path])


def test_deleting_the_upload_unpublishes_everywhere(stack: Stack) -> None:
    stack.put("a.md", markdown())
    stack.put("b.md", markdown(title="Another story"))
    stack.drain()
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/a.md")
    stack.drain()

    client = api(stack)
    assert client.get("/articles/kazakh-leader-offers-explanation-for-crisis").status_code == 410
    assert [a["slug"] for a in client.get("/articles").json()["items"]] == ["another-story"]
    assert [e.link.rsplit("/", 1)[1] for e in feedparser.parse(stack.feed()).entries] == ["another-story"]
    assert [i["title"] for i in json.loads(stack.feed("feeds/feed.json"))["items"]] == ["Another story"]
    record = ContentTable(stack.table).articles.article_record("kazakh-leader-offers-explanation-for-crisis")
    assert isinstance(record, Unpublished)


def test_an_article_coming_back_keeps_its_id(stack: Stack) -> None:
    stack.put("a.md", markdown())
    stack.drain()
    slug = "kazakh-leader-offers-explanation-for-crisis"
    first_id = api(stack).get(f"/articles/{slug}").json()["id"]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/a.md")
    stack.drain()
    stack.put("a.md", markdown())
    stack.drain()
    assert api(stack).get(f"/articles/{slug}").json()["id"] == first_id


def test_a_slug_taken_by_another_upload_is_refused(stack: Stack) -> None:
    stack.put("a.md", markdown())
    stack.drain()
    stack.put("b.md", markdown())
    stack.drain()
    rejection = report(stack, "inbox/b.md")
    assert rejection is not None
    assert rejection["problems"][0]["field"] == "slug"
    assert "inbox/a.md" in rejection["problems"][0]["message"]


def test_a_slug_change_redirects_the_old_url(stack: Stack) -> None:
    stack.put("a.md", markdown())
    stack.drain()
    client = api(stack)
    first = client.get("/articles/kazakh-leader-offers-explanation-for-crisis").json()
    stack.put("a.md", markdown(slug="tokayev-explains-crisis"))
    stack.drain()
    moved = client.get("/articles/kazakh-leader-offers-explanation-for-crisis", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/articles/tokayev-explains-crisis"
    now = client.get("/articles/tokayev-explains-crisis").json()
    assert (now["id"], now["published_at"]) == (first["id"], first["published_at"])
    assert [e.id for e in feedparser.parse(stack.feed()).entries] == [f"urn:uuid:{first['id']}"]


def test_drafts_are_stored_but_never_public(stack: Stack) -> None:
    stack.put("a.md", markdown(status="draft"))
    stack.drain()
    record = ContentTable(stack.table).articles.article_record("kazakh-leader-offers-explanation-for-crisis")
    assert isinstance(record, Article) and not record.is_public
    assert api(stack).get("/articles/kazakh-leader-offers-explanation-for-crisis").status_code == 404
    assert api(stack).get("/articles").json()["items"] == []


def test_related_lists_rank_a_shared_tag_higher(stack: Stack) -> None:
    """All three share their body; the one that also shares a tag comes first (see test_related.py)."""
    stack.put("a.md", markdown(title="Budget approved", tags="[Economy]"))
    stack.put("b.md", markdown(title="Football results", section="Sport", tags="[Football]"))
    stack.drain()
    stack.put("c.md", markdown(title="Tenge rises", section="Business", tags="[Economy]"))
    stack.drain()
    related = api(stack).get("/articles/tenge-rises/related").json()["items"]
    assert [a["slug"] for a in related] == ["budget-approved", "football-results"]
    assert related[0]["reason"]["score"] > related[1]["reason"]["score"]


def test_get_feeds_lists_every_feed(stack: Stack) -> None:
    stack.put("a.md", markdown(title="Budget", section="World", tags="[Economy, Asia]"))
    stack.drain()
    client = api(stack)
    body = client.get("/feeds").json()
    assert [(f["scope"], f.get("slug")) for f in body["items"]] == [
        ("site", None),
        ("section", "world"),
        ("tag", "asia"),
        ("tag", "economy"),
    ]
    world = body["items"][1]
    assert world == {
        "scope": "section",
        "slug": "world",
        "name": "KazPost: World",
        "page": "https://kazpost.example/sections/world",
        "rss": "https://feeds.kazpost.example/feeds/sections/world/rss.xml",
        "atom": "https://feeds.kazpost.example/feeds/sections/world/atom.xml",
        "json": "https://feeds.kazpost.example/feeds/sections/world/feed.json",
    }
    for item in body["items"]:
        for fmt in ("rss", "atom", "json"):
            key = item[fmt].removeprefix("https://feeds.kazpost.example/")
            assert stack.s3.head_object(Bucket=stack.public, Key=key)
    first = client.get("/feeds", params={"limit": 2}).json()
    assert len(first["items"]) == 3  # the site, then two scopes
    rest = client.get(first["next"]["url"]).json()
    assert [f["slug"] for f in rest["items"]] == ["economy"]
    assert client.get("/feeds", params={"cursor": "article#secret"}).status_code == 400


def test_the_site_feeds_are_written_before_section_and_tag_feeds(stack: Stack) -> None:
    from newsfeed.dal import clients

    written: list[str] = []
    clients.s3().meta.events.register(
        "provide-client-params.s3.PutObject", lambda params, **_: written.append(params["Key"])
    )
    stack.put("crisis.md", markdown(tags="[Kazakhstan, Politics]"))
    stack.drain()
    feeds = [key for key in written if key.endswith(("rss.xml", "atom.xml", "feed.json"))]
    assert len(feeds) == 12  # the site, the section and two tags, in three formats each
    assert set(feeds[:3]) == {"feeds/rss.xml", "feeds/atom.xml", "feeds/feed.json"}
