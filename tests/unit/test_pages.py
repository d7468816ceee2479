"""The site's pages with hostile content: every page parses, every string an editor wrote comes out as text
(never as markup), nothing runs, and the JSON-LD is JSON carrying what search engines read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.logic.articles import build_article
from newsfeed.logic.parsing import parse_upload
from newsfeed.logic.site import THEME
from newsfeed.logic.site.furniture import Furniture, languages
from newsfeed.logic.site.pages import (
    render_article_page,
    render_moved,
    render_not_found,
    render_scope_page,
)
from newsfeed.models.article import Article, Image, RelatedCard
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.upload import UploadRejected
from tests.support.inert import url_scheme

SITE_INFO = Site("KazPost", "https://kazpost.example", "News.", "en", "https://kazpost.example")
XSS = [
    line
    for line in (Path(__file__).parent.parent / "data" / "xss-vectors.txt").read_text().splitlines()
    if line
]
PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
HOSTILE = st.one_of(
    st.sampled_from(XSS),
    st.text(
        alphabet=st.sampled_from(
            list("<>/=\"'&;#:!-?` \n\tabcxyzSCRIPT\x00\x01\x0b\x1f\u202e\u200fжЖЯعربيה\ud800\ufffe")
        ),
        min_size=1,
        max_size=300,
    ),
    st.text(min_size=1, max_size=300),
)


@dataclass
class Parsed(HTMLParser):
    """What a page holds, as a parser reads it (character references resolved)."""

    scripts: list[tuple[str | None, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # text of the first <title>, <h1>
    meta: dict[str, list[str]] = field(default_factory=dict)  # content by name or property
    links: list[dict[str, str | None]] = field(default_factory=list)
    _open: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if (
                name in ("href", "src")
                and value
                and url_scheme(value) not in (None, "http", "https", "mailto", "tel")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append((values.get("type"), ""))
        if tag == "meta" and values.get("content") is not None:
            key = values.get("property") or values.get("name") or values.get("http-equiv") or ""
            self.meta.setdefault(key, []).append(values["content"] or "")
        if tag == "link":
            self.links.append(values)
        if tag in ("script", "title", "h1", "style", "iframe", "object", "embed"):
            self._open.append(tag)
            if tag in ("iframe", "object", "embed"):
                self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._open:
            return
        if self._open[-1] == "script":
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        elif self._open[-1] in ("title", "h1"):
            self.texts[self._open[-1]] = self.texts.get(self._open[-1], "") + data


def parse(page: bytes) -> Parsed:
    parsed = Parsed()
    parsed.feed(page.decode("utf-8"))  # a page is UTF-8, whatever it carries
    parsed.close()
    assert not parsed.problems, parsed.problems
    assert [kind for kind, _ in parsed.scripts] in ([], ["application/ld+json"])
    return parsed


def printable(text: str) -> str:
    """What a page can carry of a string: no C0 controls but tab, line feed and carriage return, no
    surrogates or U+FFFE/U+FFFF (the renderer drops them)."""
    dropped = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF}
    return "".join(c for c in text if ord(c) not in dropped and not 0xD800 <= ord(c) <= 0xDFFF)


def article(title: str, text: str, **overrides: object) -> Article:
    start = datetime(2024, 3, 29, 10, tzinfo=UTC)
    values: dict[str, object] = {
        "id": "1",
        "slug": "a-story",
        "title": title,
        "subtitle": text,
        "summary": text,
        "body": f"<p>{text}</p>",
        "section": text,
        "section_slug": "world",
        "tags": [text, "Economy"],
        "tag_slugs": ["odd", "economy"],
        "authors": [text],
        "author_slugs": ["someone"],
        "published_at": start,
        "updated_at": start + timedelta(hours=2),
        "status": ArticleStatus.PUBLISHED,
        "language": "en",
        "image": Image(url="/images/a.jpg", alt=text, caption=text),
        "related": [
            RelatedCard(
                id="2",
                slug="other",
                title=text,
                section="World",
                section_slug="world",
                published_at=start,
                updated_at=start,
                language="en",
            )
        ],
    }
    return Article.model_validate(values | overrides)


@PROPERTY
@given(title=HOSTILE, text=HOSTILE)
def test_an_article_page_carries_any_text_as_text(title: str, text: str) -> None:
    page = parse(render_article_page(SITE_INFO, article(title, text)))
    assert page.texts.get("h1", "") == printable(title)
    assert page.texts["title"] == f"{printable(title)} | KazPost"
    assert page.meta["description"] == [printable(text)]
    assert page.meta["og:title"] == [printable(title)]
    assert page.meta["article:tag"] == [printable(text), "Economy"]
    ((_, data),) = page.scripts
    ld = json.loads(data)
    assert ld["headline"] == printable(title)
    assert ld["articleSection"] == printable(text)
    assert ld["author"] == [{"@type": "Person", "name": printable(text)}]


@PROPERTY
@given(title=HOSTILE, text=HOSTILE)
def test_listing_and_other_pages_carry_any_text_as_text(title: str, text: str) -> None:
    story = article(title, text)
    section = Scope(ScopeKind.SECTION, "world", text)
    listing = parse(render_scope_page(SITE_INFO, section, [story], older=2, newer=4))
    assert listing.texts.get("h1", "") == printable(text)
    parse(render_scope_page(SITE_INFO, SITE, [story, story.model_copy(update={"slug": "b"})]))
    parse(render_not_found(SITE_INFO))
    moved = parse(render_moved(SITE_INFO, f"https://kazpost.example/articles/{text}"))
    assert moved.meta["refresh"] == [printable(f"0; url=https://kazpost.example/articles/{text}")]


def test_the_seed_article_page_has_what_readers_and_search_engines_expect() -> None:
    source = (
        Path(__file__).parents[2] / "events" / "articles" / "kazakh-leader-offers-explanation-for-crisis.md"
    )
    parsed = parse_upload(source.name, source.read_bytes())
    now = datetime(2024, 3, 30, tzinfo=UTC)
    first = build_article(
        parsed, article_id="7", source_key="inbox/a.md", now=now, default_language="en", previous=None
    )
    corrected = first.model_copy(update={"updated_at": now + timedelta(days=1)})
    html = render_article_page(SITE_INFO, corrected).decode()
    page = parse(html.encode())
    url = "https://kazpost.example/articles/kazakh-leader-offers-explanation-for-crisis"
    assert page.texts.get("h1", "") == "Kazakh leader offers explanation for crisis"
    assert '<html lang="en" dir="ltr">' in html
    assert {"rel": "canonical", "href": url} in page.links
    feeds = [link["href"] for link in page.links if link.get("rel") == "alternate"]
    assert feeds == [
        f"https://kazpost.example/feeds/{path}"
        for path in (
            "rss.xml",
            "atom.xml",
            "feed.json",
            "sections/kazakhstan-news/rss.xml",
            "sections/kazakhstan-news/atom.xml",
            "sections/kazakhstan-news/feed.json",
        )
    ]
    assert page.meta["og:type"] == ["article"]
    assert page.meta["twitter:card"] == ["summary"]  # no photo of its own (tests/unit/test_photo_pages.py)
    assert page.meta["article:published_time"] == ["2024-03-29T04:00:00.000Z"]
    assert page.meta["article:modified_time"] == ["2024-03-31T00:00:00.000Z"]
    assert '<time datetime="2024-03-29T04:00:00.000Z">Friday, March 29, 2024</time>' in html
    assert 'Updated <time datetime="2024-03-31T00:00:00.000Z">' in html
    assert 'href="https://kazpost.example/sections/kazakhstan-news"' in html
    assert 'href="https://kazpost.example/tags/tokayev" rel="tag"' in html
    ((_, data),) = page.scripts
    ld = json.loads(data)
    assert ld["@type"] == "NewsArticle" and ld["mainEntityOfPage"]["@id"] == url
    assert (
        ld["datePublished"] == "2024-03-29T04:00:00.000Z" and ld["dateModified"] == "2024-03-31T00:00:00.000Z"
    )
    assert ld["publisher"]["name"] == "KazPost" and ld["publisher"]["logo"]["url"].startswith(
        "https://kazpost.example/"
    )
    assert "image" not in ld
    assert ld["keywords"] == corrected.tags and ld["articleSection"] == "Kazakhstan News"


def test_the_text_direction_follows_the_article_language() -> None:
    arabic = article("خبر", "نص", language="ar")
    assert b'<html lang="ar" dir="rtl">' in render_article_page(SITE_INFO, arabic)
    russian = article("Новости", "Текст", language="ru-KZ")
    assert b'<html lang="ru-KZ" dir="ltr">' in render_article_page(SITE_INFO, russian)


def test_a_canonical_url_and_a_page_without_an_image() -> None:
    page = parse(
        render_article_page(
            SITE_INFO, article("T", "x", canonical_url="https://elsewhere.example/t", image=None)
        )
    )
    assert {"rel": "canonical", "href": "https://elsewhere.example/t"} in page.links
    assert page.meta["twitter:card"] == ["summary"] and "og:image" not in page.meta


def test_every_xss_vector_uploaded_in_every_field_renders_inert() -> None:
    rendered = 0
    for vector in XSS:
        quoted, tag, body = json.dumps(vector), json.dumps(vector[:50]), json.dumps(f"<p>Text.</p>{vector}")
        upload = (
            f'{{"title": {quoted}, "subtitle": {quoted}, "section": "World", "tags": [{tag}, "X"],'
            f' "authors": [{tag}], "body": {body},'
            f' "image": {{"url": "/a.jpg", "alt": {quoted}, "caption": {quoted}}}}}'
        )
        try:
            parsed = parse_upload("a-story.json", upload.encode())
        except UploadRejected:  # a refused upload has no page
            continue
        now = datetime(2024, 3, 29, tzinfo=UTC)
        stored = build_article(
            parsed, article_id="1", source_key="k", now=now, default_language="en", previous=None
        )
        page = parse(render_article_page(SITE_INFO, stored))
        assert page.texts.get("h1", "") == printable(stored.title)
        rendered += 1
    assert rendered >= len(XSS) * 0.8  # most vectors are fine text to store; a few are refused


ENGLISH_FURNITURE = re.compile(
    r"\b(By|Updated|Related articles|Tags|Skip to content|Follow|Older articles|Newer articles|More articles"
    r"|archive|Page not found|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    r"|April|May|June|July|August|September|October|November|December)\b"
)


def article_with(**overrides: object) -> Article:
    """An article with every part of the page's anatomy: section, tags, authors, photo, related list."""
    return article(
        "Қала метросы", "Жаңа станциялар ашылды.", tags=["Алматы"], tag_slugs=["almaty"], **overrides
    )


def visible_words(html: str) -> str:
    """What a reader sees or hears of a page's furniture: its text and its labels, without the article's
    own words and the feeds' names."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + labels


def test_russian_and_kazakh_pages_carry_no_english_furniture() -> None:
    """The seed page's anatomy in the article's language: dates from CLDR, words from the theme's catalogs."""
    site = replace(SITE_INFO, language="ru")
    for language, weekday in (("ru", "пятница"), ("kk", "жұма")):
        first = article_with(
            language=language, authors=["Айгерим"], updated_at=datetime(2024, 3, 31, tzinfo=UTC)
        )
        html = render_article_page(site, first).decode()
        for own in (
            first.title,
            first.body,
            *first.tags,
            first.section,
            site.name,
            site.description,
            "World",
        ):
            html = html.replace(own, "")
        words = visible_words(html)
        assert not ENGLISH_FURNITURE.search(words), (language, ENGLISH_FURNITURE.findall(words))
        assert f'lang="{language}"' in html and weekday in html
    for listing in (
        render_scope_page(site, SITE, [article_with()] * 3, page=2, older=1, newer=3),
        render_not_found(site),
        render_moved(site, "https://kazpost.example/articles/new"),
    ):  # listings speak the site's language
        words = visible_words(listing.decode().replace(site.name, "").replace(site.description, ""))
        assert not ENGLISH_FURNITURE.search(words), ENGLISH_FURNITURE.findall(words)


def test_every_word_of_the_theme_has_a_translation_in_every_catalog() -> None:
    """A language speaks whole, or its gap shows in review: never half English by accident."""
    said = set()
    for template in THEME.glob("*.html"):
        said |= set(re.findall(r'_\("([^"]+)"', template.read_text()))
    assert {"Related articles", "By {authors}", "Older articles"} <= said
    assert {"ru", "kk"} <= set(languages())
    for language in languages():
        furniture = Furniture(language)
        for message in said:
            fields = dict.fromkeys(re.findall(r"\{(\w+)\}", message), "X")
            assert furniture.translate(message, **fields) != message.format(**fields), (language, message)


def test_a_language_without_a_catalog_or_cldr_data_falls_back_to_english() -> None:
    assert Furniture("xx-Unknown").date(datetime(2024, 3, 29, tzinfo=UTC)) == "Friday, March 29, 2024"
    assert Furniture("ru-RU").translate("Related articles") == "Читайте также"
    assert Furniture("de").date(datetime(2024, 3, 29, tzinfo=UTC)) == "Freitag, 29. März 2024"
    assert Furniture("de").translate("Related articles") == "Related articles"
