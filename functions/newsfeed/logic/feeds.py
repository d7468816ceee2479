"""Feed documents for a scope, rendered by real serializers (ElementTree for XML, json for JSON Feed).

Every renderer is deterministic: the same articles give the same bytes (no "now", no random ids, stable
attribute and key order), so an unchanged feed keeps its S3 ETag and is never rewritten.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from enum import StrEnum
from typing import Any

from newsfeed.logic.html import absolutize_links
from newsfeed.models import limits
from newsfeed.models.article import Article
from newsfeed.models.scope import Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "newsfeed"

for _prefix, _uri in (("atom", ATOM_NS), ("content", CONTENT_NS), ("dc", DC_NS), ("media", MEDIA_NS)):
    ET.register_namespace(_prefix, _uri)

# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class FeedFormat(StrEnum):
    RSS = "rss"
    JSON = "json"

    @property
    def filename(self) -> str:
        return {FeedFormat.RSS: "rss.xml", FeedFormat.JSON: "feed.json"}[self]

    @property
    def content_type(self) -> str:
        return {
            FeedFormat.RSS: "application/rss+xml; charset=utf-8",
            FeedFormat.JSON: "application/feed+json; charset=utf-8",
        }[self]


CACHE_CONTROL = f"public, max-age={limits.FEED_CACHE_SECONDS}, stale-while-revalidate=300"


def feed_path(scope: Scope, fmt: FeedFormat) -> str:
    """Where a scope's feed lives in the public bucket."""
    if scope.kind is ScopeKind.SITE:
        return f"feeds/{fmt.filename}"
    return f"feeds/{scope.kind.value}s/{scope.slug}/{fmt.filename}"


@dataclass(frozen=True)
class FeedFile:
    path: str
    body: bytes
    content_type: str
    cache_control: str = CACHE_CONTROL


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _feed_title(site: Site, scope: Scope) -> str:
    if scope.kind is ScopeKind.SITE:
        return site.name
    return f"{site.name}: {scope.name or scope.slug}"


def _content_html(site: Site, article: Article) -> str:
    return absolutize_links(article.body, site.article_url(article.slug, article.canonical_url))


def _categories(article: Article) -> list[str]:
    return list(dict.fromkeys([article.section, *article.tags]))


def _image_url(site: Site, article: Article) -> str | None:
    if article.image is None:
        return None
    return site.absolute(article.image.url)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def render_rss(site: Site, scope: Scope, articles: Sequence[Article]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", _feed_title(site, scope))
    _sub(channel, "link", site.url)
    _sub(channel, "description", site.description or _feed_title(site, scope))
    _sub(channel, "language", site.language)
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=site.public_url(feed_path(scope, FeedFormat.RSS)),
        rel="self",
        type="application/rss+xml",
    )
    _sub(channel, "generator", GENERATOR)
    if articles:
        newest = max(article.updated_at for article in articles)
        _sub(channel, "lastBuildDate", format_datetime(newest, usegmt=True))
    for article in articles:
        item = _sub(channel, "item")
        _sub(item, "title", article.title)
        _sub(item, "link", site.article_url(article.slug, article.canonical_url))
        _sub(item, "guid", f"urn:uuid:{article.id}", isPermaLink="false")
        _sub(item, "pubDate", format_datetime(article.published_at, usegmt=True))
        _sub(item, "description", article.summary)
        _sub(item, f"{{{CONTENT_NS}}}encoded", _content_html(site, article))
        for author in article.authors:
            _sub(item, f"{{{DC_NS}}}creator", author)
        for category in _categories(article):
            _sub(item, "category", category)
        image = _image_url(site, article)
        if image and article.image:
            media = _sub(item, f"{{{MEDIA_NS}}}content", url=image, medium="image")
            if article.image.caption or article.image.alt:
                _sub(
                    media,
                    f"{{{MEDIA_NS}}}description",
                    article.image.caption or article.image.alt,
                    type="plain",
                )
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def render_json_feed(site: Site, scope: Scope, articles: Sequence[Article]) -> bytes:
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(site, scope),
        "home_page_url": site.url,
        "feed_url": site.public_url(feed_path(scope, FeedFormat.JSON)),
        "description": site.description or _feed_title(site, scope),
        "language": site.language,
        "items": [],
    }
    for article in articles:
        item: dict[str, Any] = {
            "id": f"urn:uuid:{article.id}",
            "url": site.article_url(article.slug, article.canonical_url),
            "title": article.title,
            "content_html": _content_html(site, article),
            "summary": article.summary,
            "date_published": format_utc(article.published_at),
            "date_modified": format_utc(article.updated_at),
            "tags": _categories(article),
            "language": article.language,
        }
        image = _image_url(site, article)
        if image:
            item["image"] = image
        if article.authors:
            item["authors"] = [{"name": name} for name in article.authors]
        feed["items"].append(item)
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode()


RENDERERS: dict[FeedFormat, Callable[[Site, Scope, Sequence[Article]], bytes]] = {
    FeedFormat.RSS: render_rss,
    FeedFormat.JSON: render_json_feed,
}


def render_feed(
    fmt: FeedFormat,
    site: Site,
    scope: Scope,
    articles: Sequence[Article],
    max_bytes: int = limits.MAX_FEED_BYTES,
) -> FeedFile:
    """The feed file, with as many of the newest `articles` as fit in `max_bytes`."""
    render = RENDERERS[fmt]
    count = len(articles)
    body = render(site, scope, articles)
    while len(body) > max_bytes and count > 0:
        count -= 1
        body = render(site, scope, articles[:count])
    return FeedFile(path=feed_path(scope, fmt), body=body, content_type=fmt.content_type)
