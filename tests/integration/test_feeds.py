"""Feeds every aggregator trusts: scopes, determinism, no needless writes, races, bursts, archives, pings."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

from newsfeed.dal import clients
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.content import ContentTable
from newsfeed.dal.public import PublicBucket
from newsfeed.logic.articles import content_change
from newsfeed.logic.site.paths import FeedFormat, feed_path
from newsfeed.logic.site.regenerate import Regenerator, ScopeChange
from newsfeed.models.article import Article, Unpublished
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.upload import UploadRecord
from tests.support.factories import SITE as SITE_SETTINGS
from tests.support.factories import article, markdown
from tests.support.moto import Stack

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "jsonfeed-1.1.schema.json").read_text())
WORLD = Scope(ScopeKind.SECTION, "world", "World")
ECONOMY = Scope(ScopeKind.TAG, "economy", "Economy")
ASIA = Scope(ScopeKind.TAG, "asia", "Asia")


def all_paths(*scopes: Scope) -> list[str]:
    return [feed_path(scope, fmt) for scope in scopes for fmt in FeedFormat]


def etags(stack: Stack) -> dict[str, str]:
    listing = stack.s3.list_objects_v2(Bucket=stack.public).get("Contents", [])
    return {obj["Key"]: obj["ETag"] for obj in listing}


@pytest.fixture
def puts(stack: Stack) -> Counter[str]:
    """PutObject calls to the public bucket, by key, from here on."""
    counts: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == stack.public:
            counts[params["Key"]] += 1

    clients.s3().meta.events.register("provide-client-params.s3.PutObject", count)
    return counts


def test_every_scope_gets_three_valid_feeds(stack: Stack) -> None:
    stack.put(
        "a.md",
        markdown(
            title="Tom & Jerry <b> ]]> 🎉 Қазақ",
            section="World",
            tags="[Economy, Asia]",
            body="Relative [link](/x) and ![img](/pic.png) and \u200fRTL",
        ),
    )
    stack.drain()
    for path in all_paths(SITE, WORLD, ECONOMY, ASIA):
        raw = stack.feed(path)
        head = stack.s3.head_object(Bucket=stack.public, Key=path)
        fmt = next(f for f in FeedFormat if path.endswith(f.filename))
        assert head["ContentType"] == fmt.content_type
        assert head["CacheControl"].startswith("public, max-age=")
        if fmt is FeedFormat.JSON:
            feed = json.loads(raw)
            jsonschema.validate(feed, SCHEMA)
            assert 'href="https://kazpost.example/x"' in feed["items"][0]["content_html"]
        else:
            parsed = feedparser.parse(raw)
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
            assert parsed.entries[0].title == "Tom & Jerry <b> ]]> 🎉 Қазақ"
    sitemap = stack.feed("sitemaps/news.xml")
    assert b"<news:title>Tom &amp; Jerry &lt;b&gt; ]]&gt; \xf0\x9f\x8e\x89" in sitemap
    assert b"Sitemap: https://feeds.kazpost.example/sitemaps/news.xml" in stack.feed("robots.txt")


def test_a_publish_touches_only_its_scopes_and_a_removed_tag_too(stack: Stack, puts: Counter[str]) -> None:
    stack.put("a.md", markdown(title="Budget", section="World", tags="[Economy, Asia]"))
    stack.put("b.md", markdown(title="Football", section="Sport", tags="[Football]"))
    stack.drain()
    puts.clear()
    stack.put("a.md", markdown(title="Budget", section="World", tags="[Economy]", body="Edited."))
    stack.drain()
    touched = {key.rsplit("/", 1)[0] for key in puts if key.startswith("feeds/")}
    assert touched == {"feeds", "feeds/sections/world", "feeds/tags/economy"}
    pages = {key for key in puts if not key.startswith("feeds/")}
    assert pages == {"articles/budget", "index.html", "sections/world", "tags/economy"}
    # The tag left without articles goes away: no feed, no page, not among the feeds.
    for key in (
        "feeds/tags/asia/atom.xml",
        "feeds/tags/asia/rss.xml",
        "feeds/tags/asia/feed.json",
        "tags/asia",
    ):
        with pytest.raises(stack.s3.exceptions.NoSuchKey):
            stack.feed(key)
    scopes, _ = ContentTable(stack.table).lists.scopes(100)
    assert Scope(ScopeKind.TAG, "asia") not in scopes and Scope(ScopeKind.TAG, "economy") in scopes
    assert [e.title for e in feedparser.parse(stack.feed("feeds/tags/economy/atom.xml")).entries] == [
        "Budget"
    ]


def test_republishing_unchanged_writes_nothing_and_an_edit_changes_one_item(
    stack: Stack, puts: Counter[str]
) -> None:
    stack.put("a.md", markdown(title="First", section="World", tags="[Economy]"))
    stack.put("b.md", markdown(title="Second", section="World", tags="[Economy]"))
    stack.drain()
    before = etags(stack)
    puts.clear()
    stack.put("a.md", markdown(title="First", section="World", tags="[Economy]"))
    stack.drain()
    assert etags(stack) == before
    assert not puts

    feed_before = json.loads(stack.feed("feeds/feed.json"))["items"]
    stack.put("a.md", markdown(title="First", section="World", tags="[Economy]", body="A corrected body."))
    stack.drain()
    feed_after = json.loads(stack.feed("feeds/feed.json"))["items"]
    changed = [n for n, (b, a) in enumerate(zip(feed_before, feed_after, strict=True)) if a != b]
    assert len(changed) == 1
    item_before, item_after = feed_before[changed[0]], feed_after[changed[0]]
    assert item_after["title"] == "First"
    assert item_after["date_modified"] > item_before["date_modified"]
    assert item_after["date_published"] == item_before["date_published"]
    assert item_after["id"] == item_before["id"]


def test_deleting_an_article_removes_it_from_every_feed(stack: Stack) -> None:
    stack.put("a.md", markdown(title="Doomed", section="World", tags="[Economy]"))
    stack.put("b.md", markdown(title="Stays", section="World"))
    stack.drain()
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/a.md")
    stack.drain()
    for path in all_paths(SITE, WORLD):
        assert b"Doomed" not in stack.feed(path), path
    for path in all_paths(ECONOMY):  # its only article gone, the tag's feeds go too
        with pytest.raises(stack.s3.exceptions.NoSuchKey):
            stack.feed(path)


def publisher(stack: Stack, page_size: int = 50, items: int = 50) -> Regenerator:
    table = ContentTable(stack.table)
    return Regenerator(
        source=table.lists,
        files=PublicBucket(stack.public),
        book=FeedBookkeeping(stack.table, page_size=page_size),
        site=SITE_SETTINGS,
        items=items,
    )


def save(stack: Stack, a: Article) -> None:
    record = UploadRecord(key=a.source_key, article_id=a.id, slug=a.slug, order="S1")
    ContentTable(stack.table).articles.save(content_change(record, a))


def test_two_racing_regenerations_never_leave_the_older_feed(stack: Stack) -> None:
    """A reads the articles, B publishes a newer article and writes, then A writes: A must lose and retry."""
    first = article(1, title="First story")
    save(stack, first)
    slow, fast = publisher(stack), publisher(stack)
    slow.regenerate(SITE, ScopeChange())
    second = article(0, title="Second story")

    real = slow.source.newest_articles
    raced: list[bool] = []

    def newest_then_race(scope: Scope, limit: int) -> list[Article]:
        articles = real(scope, limit)  # the slow regeneration has read the older state...
        if not raced:
            raced.append(True)
            save(stack, second)  # ...when a newer article lands and the fast one writes its feeds
            assert fast.regenerate(SITE, ScopeChange(entered=[second.card()]))
        return articles

    slow.source.newest_articles = newest_then_race  # type: ignore[method-assign]
    slow.regenerate(SITE, ScopeChange())
    for fmt in FeedFormat:
        parsed = stack.feed(feed_path(SITE, fmt)).decode()
        assert "Second story" in parsed and "First story" in parsed, fmt


def test_a_burst_of_200_coalesces(stack: Stack, puts: Counter[str]) -> None:
    """200 uploads ingested before the publisher's next poll (on AWS the ingests run in parallel) reach it as
    two batches of 100 stream records, and each touched feed is regenerated once per batch. (They opt out
    of related lists: 200 articles of one text would each be offered to 20 others, which in-process moto
    takes a minute over; tests/integration/test_related.py covers that.)"""
    for n in range(200):
        text = markdown(title=f"Burst story {n}", section="World", tags="[Economy]", show_in_related="false")
        stack.put(f"burst-{n}.md", text)
    stack.drain("IngestFunction", timeout=300)
    stack.drain(timeout=300)
    assert len(feedparser.parse(stack.feed("feeds/rss.xml")).entries) == 50
    for path in all_paths(SITE, WORLD, ECONOMY):
        assert 1 <= puts[path] <= 4, (path, puts[path])  # one regeneration per batch of 100 stream records


def test_archive_pages_fill_then_stay(stack: Stack) -> None:
    pub = publisher(stack, page_size=5, items=4)
    articles = [
        article(n, title=f"Story {n}", published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n))
        for n in range(12)
    ]
    for a in articles:
        save(stack, a)
        pub.regenerate(SITE, ScopeChange(entered=[a.card()]))

    def titles(path: str) -> list[str]:
        return [e.title for e in feedparser.parse(stack.feed(path)).entries]

    current = feedparser.parse(stack.feed("feeds/atom.xml"))
    assert [e.title for e in current.entries] == ["Story 11", "Story 10", "Story 9", "Story 8"]
    prev = [link.href for link in current.feed.links if link.rel == "prev-archive"]
    assert prev == ["https://feeds.kazpost.example/feeds/archive/1/atom.xml"]
    assert titles("feeds/archive/0/atom.xml") == ["Story 4", "Story 3", "Story 2", "Story 1", "Story 0"]
    assert titles("feeds/archive/1/rss.xml") == ["Story 9", "Story 8", "Story 7", "Story 6", "Story 5"]
    page1 = feedparser.parse(stack.feed("feeds/archive/1/atom.xml")).feed.links
    assert {link.rel: link.href for link in page1}["prev-archive"].endswith("/feeds/archive/0/atom.xml")
    assert json.loads(stack.feed("feeds/feed.json"))["next_url"].endswith("/feeds/archive/1/feed.json")
    assert "feeds/archive/2/atom.xml" not in etags(stack)  # page 2 is not full yet

    frozen = etags(stack)["feeds/archive/0/atom.xml"]
    for a in articles[:3]:  # corrections to archived articles do not rewrite full pages
        corrected = a.model_copy(update={"body": "<p>fixed</p>", "revision": 2, "content_hash": "fixed"})
        record = UploadRecord(key=a.source_key, article_id=a.id, slug=a.slug, order="S2")
        ContentTable(stack.table).articles.save(content_change(record, corrected, replaces=a))
        pub.regenerate(SITE, ScopeChange())
    assert etags(stack)["feeds/archive/0/atom.xml"] == frozen

    taken_down = articles[2]  # ...but a takedown does
    current_record = ContentTable(stack.table).articles.article_record(taken_down.slug)
    record = UploadRecord(
        key=taken_down.source_key, article_id=taken_down.id, slug=taken_down.slug, order="S3"
    )
    gone = Unpublished(
        id=taken_down.id, slug=taken_down.slug, unpublished_at=datetime(2024, 2, 1, tzinfo=UTC)
    )
    ContentTable(stack.table).articles.save(content_change(record, gone, replaces=current_record))
    pub.regenerate(SITE, ScopeChange(left=[taken_down.id]))
    assert titles("feeds/archive/0/atom.xml") == ["Story 4", "Story 3", "Story 1", "Story 0"]


def test_redelivered_entries_are_archived_once(stack: Stack) -> None:
    book = FeedBookkeeping(stack.table, page_size=5)
    cards = [article(n).card() for n in range(3)]
    assert book.enter(SITE, cards) == {0}
    assert book.enter(SITE, cards) == set()
    assert book.entered(SITE) == 3
    assert [c.id for c in book.page(SITE, 0)] == [cards[2].id, cards[1].id, cards[0].id]


def test_the_sitemap_holds_the_last_two_days(stack: Stack) -> None:
    now = datetime.now(UTC)
    stack.put("new.md", markdown(title="Fresh news", published_at=(now - timedelta(hours=3)).isoformat()))
    stack.put("old.md", markdown(title="Old news", published_at=(now - timedelta(days=3)).isoformat()))
    stack.drain()
    sitemap = stack.feed("sitemaps/news.xml")
    assert b"Fresh news" in sitemap
    assert b"Old news" not in sitemap


class Hub(http.server.BaseHTTPRequestHandler):
    pings: list[dict[str, list[str]]]
    status = 204
    url = ""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).pings.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Hub]]:
    handler: type[Hub] = type("RecordingHub", (Hub,), {"pings": [], "status": 204})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WEBSUB_HUBS", handler.url)
    from tests.support.moto import reset_caches

    reset_caches()
    yield handler
    server.shutdown()


def test_changed_feeds_are_pinged_to_the_hubs(stack: Stack, hub: type[Hub]) -> None:
    stack.put("a.md", markdown(title="Ping me", section="World"))
    stack.drain()
    topics = {ping["hub.url"][0] for ping in hub.pings}
    assert all(ping["hub.mode"] == ["publish"] for ping in hub.pings)
    assert topics == {SITE_SETTINGS.public_url(path) for path in all_paths(SITE, WORLD)}
    links = feedparser.parse(stack.feed("feeds/atom.xml")).feed.links
    assert [link.href for link in links if link.rel == "hub"] == [hub.url]
    assert json.loads(stack.feed("feeds/feed.json"))["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_a_failing_hub_never_fails_a_publish(stack: Stack, hub: type[Hub]) -> None:
    hub.status = 503
    stack.put("a.md", markdown(title="Hub is down", section="World"))
    stack.drain()
    assert b"Hub is down" in stack.feed("feeds/rss.xml")
    assert hub.pings  # it was tried...
    notifier = stack.source("NotifierFunction")
    attributes = notifier.client.get_queue_attributes(QueueUrl=notifier.queue_url, AttributeNames=["All"])
    assert int(attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]) > 0  # ...and will be again
