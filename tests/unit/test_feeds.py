import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import defusedxml.ElementTree as ET
import feedparser
import jsonschema
import pytest

from newsfeed.logic.site.feeds import ATOM_NS, HISTORY_NS, Document, render_feed
from newsfeed.logic.site.paths import FeedFormat, feed_path
from newsfeed.models.article import Image
from newsfeed.models.scope import SITE as SITE_SCOPE
from newsfeed.models.scope import Scope, ScopeKind
from tests.support.factories import SITE, article

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "jsonfeed-1.1.schema.json").read_text())
SECTION = Scope(ScopeKind.SECTION, "kazakhstan-news", "Kazakhstan News")

HOSTILE = [
    article(1, title="Tom & Jerry <script>alert(1)</script> ]]> “quotes”\x01", tags=["R&D", "<b>bold</b>"]),
    article(
        2, title="Қазақстан: жаңа заң 🎉 — עברית ومرحبا", body='<p dir="rtl">שלום <a href="/rel">rel</a></p>'
    ),
    article(
        3,
        title="T" * 300,
        body='<p><img src="img/a.png" alt="a"> ]]&gt; &amp; done\x0b</p>',
        image=Image(url="/images/x.jpg", alt="alt & text", caption="A <caption>"),
    ),
    article(4, summary="Line one. Control\x0bchar \ufffe end", authors=["Ann O'Neil", "Бауыржан"]),
]


def body(fmt: FeedFormat, scope: Scope = SITE_SCOPE, articles=HOSTILE, **doc: object) -> bytes:
    return render_feed(SITE, Document(scope, fmt, **doc), articles).body  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", [FeedFormat.RSS, FeedFormat.ATOM])
@pytest.mark.parametrize("scope", [SITE_SCOPE, SECTION])
def test_xml_feeds_are_well_formed_and_carry_everything(fmt: FeedFormat, scope: Scope) -> None:
    raw = body(fmt, scope, hubs=("https://hub.example/",), prev_archive=2)
    ET.fromstring(raw)  # well-formed XML
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    links = {(link.rel, link.get("type")): link.href for link in parsed.feed.links}
    assert links[("self", fmt.media_type)] == SITE.public_url(feed_path(scope, fmt))
    assert [link.href for link in parsed.feed.links if link.rel == "hub"] == ["https://hub.example/"]
    assert links[("prev-archive", fmt.media_type)] == SITE.public_url(feed_path(scope, fmt, 2))
    assert links[("alternate", "text/html")] == (
        "https://kazpost.example"
        if scope == SITE_SCOPE
        else "https://kazpost.example/sections/kazakhstan-news"
    )
    alternates = [link.get("type") for link in parsed.feed.links if link.rel == "alternate"]
    if fmt is FeedFormat.ATOM:  # readers take the first or the last alternate as the site's link
        assert alternates == ["text/html"]
    else:  # RSS names the site's link in <link>; its atom:links name the other formats
        assert set(alternates) == {"text/html"} | {f.media_type for f in FeedFormat if f is not fmt}

    first = parsed.entries[0]
    assert first.title == "Tom & Jerry <script>alert(1)</script> ]]> “quotes”"  # plain text, escaped once
    assert first.id == f"urn:uuid:{HOSTILE[0].id}"
    assert first.link == "https://kazpost.example/articles/tom-jerry-script-alert-1-script-quotes"
    assert [t.term for t in first.tags] == ["Kazakhstan News", "R&D", "<b>bold</b>"]
    assert parsed.entries[1].title.startswith("Қазақстан")
    assert 'href="https://kazpost.example/rel"' in parsed.entries[1].content[0].value
    assert 'src="https://kazpost.example/articles/img/a.png"' in parsed.entries[2].content[0].value
    assert parsed.entries[2].media_content[0]["url"] == "https://kazpost.example/images/x.jpg"
    assert [a.name for a in parsed.entries[3].authors] == ["Ann O'Neil", "Бауыржан"]
    assert parsed.entries[3].summary == "Line one. Controlchar  end"  # the illegal characters are dropped
    text = raw.decode()
    assert "\x0b" not in text and "\ufffe" not in text and "\x01" not in text


def test_rss_dates_are_rfc822_with_four_digit_year_and_gmt() -> None:
    root = ET.fromstring(body(FeedFormat.RSS))
    dates = [e.text or "" for e in root.iter("pubDate")] + [e.text or "" for e in root.iter("lastBuildDate")]
    assert dates[0] == "Fri, 29 Mar 2024 03:00:00 GMT"
    assert all(d.endswith(" GMT") and parsedate_to_datetime(d).year == 2024 for d in dates)


def test_atom_has_ids_dates_and_a_feed_author() -> None:
    root = ET.fromstring(body(FeedFormat.ATOM))
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert root.findtext(f"{{{ATOM_NS}}}id") == "https://feeds.kazpost.example/feeds/atom.xml"
    assert root.findtext(f"{{{ATOM_NS}}}updated") == "2024-03-29T03:00:00.000Z"
    assert root.findtext(f"{{{ATOM_NS}}}author/{{{ATOM_NS}}}name") == "KazPost"
    entry = root.find(f"{{{ATOM_NS}}}entry")
    assert entry is not None
    assert entry.findtext(f"{{{ATOM_NS}}}published") == "2024-03-29T03:00:00.000Z"
    assert entry.find(f"{{{ATOM_NS}}}content").get("type") == "html"  # type: ignore[union-attr]


def test_json_feed_validates_against_the_schema() -> None:
    feed = json.loads(body(FeedFormat.JSON, hubs=("https://hub.example/",), prev_archive=0))
    jsonschema.validate(feed, SCHEMA)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://feeds.kazpost.example/feeds/feed.json"
    assert feed["next_url"] == "https://feeds.kazpost.example/feeds/archive/0/feed.json"
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    item = feed["items"][2]
    assert item["id"] == f"urn:uuid:{HOSTILE[2].id}"
    assert item["image"] == "https://kazpost.example/images/x.jpg"
    assert item["date_published"] == "2024-03-29T01:00:00.000Z"


def test_archive_pages_are_marked_and_link_current_and_older() -> None:
    raw = body(FeedFormat.ATOM, page=3, prev_archive=2)
    root = ET.fromstring(raw)
    assert root.find(f"{{{HISTORY_NS}}}archive") is not None
    rels = {link.get("rel"): link.get("href") for link in root.iter(f"{{{ATOM_NS}}}link")}
    assert rels["self"] == "https://feeds.kazpost.example/feeds/archive/3/atom.xml"
    assert rels["current"] == "https://feeds.kazpost.example/feeds/atom.xml"
    assert rels["prev-archive"] == "https://feeds.kazpost.example/feeds/archive/2/atom.xml"
    assert "next-archive" not in rels  # so a full page never needs rewriting
    rss = ET.fromstring(body(FeedFormat.RSS, page=0))
    assert rss.find(f"channel/{{{HISTORY_NS}}}archive") is not None
    assert (
        render_feed(SITE, Document(SITE_SCOPE, FeedFormat.RSS, page=0), HOSTILE).cache_control
        == "public, max-age=86400"
    )


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_feeds_are_deterministic(fmt: FeedFormat) -> None:
    assert body(fmt) == body(fmt, articles=[a.model_copy() for a in HOSTILE])


def test_an_edit_changes_that_items_updated_date_and_nothing_in_other_items() -> None:
    newer = HOSTILE[0].published_at.replace(year=2025)
    edited = [
        HOSTILE[0],
        HOSTILE[1].model_copy(update={"updated_at": newer, "body": "<p>fixed</p>"}),
        *HOSTILE[2:],
    ]
    before = json.loads(body(FeedFormat.JSON))["items"]
    after = json.loads(body(FeedFormat.JSON, articles=edited))["items"]
    assert after[1]["date_modified"] == "2025-03-29T03:00:00.000Z" != before[1]["date_modified"]
    assert [i for n, i in enumerate(after) if n != 1] == [i for n, i in enumerate(before) if n != 1]
    atom_before = feedparser.parse(body(FeedFormat.ATOM)).entries
    atom_after = feedparser.parse(body(FeedFormat.ATOM, articles=edited)).entries
    assert atom_after[1].updated == "2025-03-29T03:00:00.000Z"
    assert [e for n, e in enumerate(atom_after) if n != 1] == [e for n, e in enumerate(atom_before) if n != 1]


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_an_empty_feed_is_still_valid(fmt: FeedFormat) -> None:
    raw = body(fmt, articles=[])
    if fmt is FeedFormat.JSON:
        jsonschema.validate(json.loads(raw), SCHEMA)
    else:
        assert feedparser.parse(raw).bozo == 0


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_feeds_are_capped_in_bytes_dropping_the_oldest(fmt: FeedFormat) -> None:
    articles = [article(n, body="<p>" + "x" * 5000 + "</p>") for n in range(20)]
    file = render_feed(SITE, Document(SITE_SCOPE, fmt), articles, max_bytes=30_000)
    assert len(file.body) <= 30_000
    assert len(render_feed(SITE, Document(SITE_SCOPE, fmt), articles).body) > 30_000
    assert articles[0].id in file.body.decode()
    assert articles[19].id not in file.body.decode()


def test_paths_and_content_types() -> None:
    assert feed_path(SITE_SCOPE, FeedFormat.RSS) == "feeds/rss.xml"
    assert feed_path(SITE_SCOPE, FeedFormat.ATOM, 4) == "feeds/archive/4/atom.xml"
    assert feed_path(Scope(ScopeKind.SECTION, "world"), FeedFormat.JSON) == "feeds/sections/world/feed.json"
    assert feed_path(Scope(ScopeKind.TAG, "economy"), FeedFormat.ATOM) == "feeds/tags/economy/atom.xml"
    assert FeedFormat.RSS.content_type == "application/rss+xml; charset=utf-8"
    assert FeedFormat.ATOM.content_type == "application/atom+xml; charset=utf-8"
    assert FeedFormat.JSON.content_type == "application/feed+json; charset=utf-8"


def test_an_article_first_published_elsewhere_keeps_our_links_and_names_its_canonical() -> None:
    """`canonical_url` says where the story first appeared; readers and aggregators still come to our page."""
    from datetime import timedelta

    from newsfeed.logic.site.sitemap import render_news_sitemap

    elsewhere = "https://elsewhere.example/story"
    syndicated = article(1, canonical_url=elsewhere)
    ours = SITE.article_url(syndicated.slug)
    assert ours.startswith(SITE.url + "/")
    rss, atom = (
        feedparser.parse(body(fmt, articles=[syndicated])).entries[0]
        for fmt in (FeedFormat.RSS, FeedFormat.ATOM)
    )
    assert rss.link == ours and atom.link == ours
    item = json.loads(body(FeedFormat.JSON, articles=[syndicated]))["items"][0]
    assert (item["url"], item["external_url"]) == (ours, elsewhere)
    jsonschema.validate(json.loads(body(FeedFormat.JSON, articles=[syndicated])), SCHEMA)
    own = article(2)
    sitemap = render_news_sitemap(
        SITE, [syndicated.card(), own.card()], own.published_at + timedelta(hours=1)
    )
    assert ours.encode() not in sitemap and SITE.article_url(own.slug).encode() in sitemap
