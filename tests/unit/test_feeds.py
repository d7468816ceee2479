import json
from pathlib import Path

import feedparser
import jsonschema
import pytest

from newsfeed.logic.feeds import FeedFormat, feed_path, render_feed, render_json_feed, render_rss
from newsfeed.models.article import Image
from newsfeed.models.scope import SITE as SITE_SCOPE
from newsfeed.models.scope import Scope, ScopeKind
from tests.factories import SITE, article

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "jsonfeed-1.1.schema.json").read_text())

HOSTILE = [
    article(1, title="Tom & Jerry <script>alert(1)</script> ]]> “quotes”", tags=["R&D", "<b>bold</b>"]),
    article(
        2, title="Қазақстан: жаңа заң 🎉 — עברית ومرحبا", body='<p dir="rtl">שלום <a href="/rel">rel</a></p>'
    ),
    article(
        3,
        title="T" * 300,
        body='<p><img src="img/a.png" alt="a"> ]]&gt; &amp; done</p>',
        image=Image(url="/images/x.jpg", alt="alt & text", caption="A <caption>"),
    ),
    article(4, summary="Line one. Control\x0bchar \ufffe end", authors=["Ann O'Neil", "Бауыржан"]),
]


def test_rss_is_well_formed_with_everything_aggregators_need() -> None:
    body = render_rss(SITE, SITE_SCOPE, HOSTILE)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == "KazPost"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [
        "https://feeds.kazpost.example/feeds/rss.xml"
    ]
    first = parsed.entries[0]
    assert first.title == "Tom & Jerry <script>alert(1)</script> ]]> “quotes”"  # plain text, escaped once
    assert first.id == f"urn:uuid:{HOSTILE[0].id}"
    assert first.guidislink is False
    assert first.link == "https://kazpost.example/articles/tom-jerry-script-alert-1-script-quotes"
    assert [t.term for t in first.tags] == ["Kazakhstan News", "R&D", "<b>bold</b>"]
    assert "Fri, 29 Mar 2024 03:00:00 GMT" in body.decode()
    assert parsed.entries[1].title.startswith("Қазақстан")
    assert 'href="https://kazpost.example/rel"' in parsed.entries[1].content[0].value
    assert 'src="https://kazpost.example/articles/img/a.png"' in parsed.entries[2].content[0].value
    assert parsed.entries[2].media_content[0]["url"] == "https://kazpost.example/images/x.jpg"
    assert [a.name for a in parsed.entries[3].authors] == ["Ann O'Neil", "Бауыржан"]
    assert "\x0b" not in body.decode() and "\ufffe" not in body.decode()


def test_json_feed_validates_against_the_schema() -> None:
    feed = json.loads(render_json_feed(SITE, SITE_SCOPE, HOSTILE))
    jsonschema.validate(feed, SCHEMA)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://feeds.kazpost.example/feeds/feed.json"
    item = feed["items"][2]
    assert item["id"] == f"urn:uuid:{HOSTILE[2].id}"
    assert item["image"] == "https://kazpost.example/images/x.jpg"
    assert item["date_published"] == "2024-03-29T01:00:00.000Z"
    assert 'src="https://kazpost.example/articles/img/a.png"' in item["content_html"]


def test_feeds_are_deterministic() -> None:
    for render in (render_rss, render_json_feed):
        assert render(SITE, SITE_SCOPE, HOSTILE) == render(
            SITE, SITE_SCOPE, [a.model_copy() for a in HOSTILE]
        )


def test_an_edit_changes_only_that_items_dates() -> None:
    before = json.loads(render_json_feed(SITE, SITE_SCOPE, HOSTILE))
    edited = [HOSTILE[0], HOSTILE[1].model_copy(update={"updated_at": HOSTILE[0].published_at}), *HOSTILE[2:]]
    after = json.loads(render_json_feed(SITE, SITE_SCOPE, edited))
    assert after["items"][1]["date_modified"] != before["items"][1]["date_modified"]
    assert [i for n, i in enumerate(after["items"]) if n != 1] == [
        i for n, i in enumerate(before["items"]) if n != 1
    ]


def test_an_empty_feed_is_still_valid() -> None:
    assert feedparser.parse(render_rss(SITE, SITE_SCOPE, [])).bozo == 0
    jsonschema.validate(json.loads(render_json_feed(SITE, SITE_SCOPE, [])), SCHEMA)


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_feeds_are_capped_in_bytes_dropping_the_oldest(fmt: FeedFormat) -> None:
    articles = [article(n, body="<p>" + "x" * 5000 + "</p>") for n in range(20)]
    file = render_feed(fmt, SITE, SITE_SCOPE, articles, max_bytes=30_000)
    assert len(file.body) <= 30_000
    full = render_feed(fmt, SITE, SITE_SCOPE, articles)
    assert len(full.body) > 30_000
    assert articles[0].id in file.body.decode()
    assert articles[19].id not in file.body.decode()


def test_paths_and_content_types() -> None:
    assert feed_path(SITE_SCOPE, FeedFormat.RSS) == "feeds/rss.xml"
    assert feed_path(Scope(ScopeKind.SECTION, "world"), FeedFormat.JSON) == "feeds/sections/world/feed.json"
    assert FeedFormat.RSS.content_type == "application/rss+xml; charset=utf-8"
    assert FeedFormat.JSON.content_type == "application/feed+json; charset=utf-8"
