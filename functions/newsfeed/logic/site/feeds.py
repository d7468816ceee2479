"""Feed documents for a scope, rendered by real serializers (ElementTree for XML, json for JSON Feed).

Every renderer is deterministic: the same articles give the same bytes (no "now", no random ids, stable
attribute and key order), so an unchanged feed keeps its S3 ETag and is never rewritten.

A scope has a *current* feed (its newest articles) in each format and, once it has had more than a page of
articles, RFC 5005 *archive* pages: page n holds the (n*P)th to ((n+1)*P - 1)th articles to enter the scope,
is written once it is full, and then only changes if one of its articles is unpublished.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from newsfeed.logic.html import absolutize_links
from newsfeed.logic.site.paths import (
    FAVICON,
    ICON,
    ICON_SIZES,
    RSS_ICON,
    FeedFormat,
    SiteFile,
    feed_path,
    scope_page_url,
    scope_title,
)
from newsfeed.models import caching, limits
from newsfeed.models.article import Article, ArticleCard
from newsfeed.models.scope import Scope
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_NS = "http://www.w3.org/XML/1998/namespace"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "newsfeed"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

for _prefix, _uri in (
    ("atom", ATOM_NS),
    ("content", CONTENT_NS),
    ("dc", DC_NS),
    ("media", MEDIA_NS),
    ("fh", HISTORY_NS),
):
    ET.register_namespace(_prefix, _uri)

# Characters XML 1.0 cannot carry at all, even escaped (nor HTML: pages drop them too).
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Document:
    """One feed document: which scope, which format, current or archive page, and its neighbours."""

    scope: Scope
    fmt: FeedFormat
    page: int | None = None  # None: the current feed
    prev_archive: int | None = None  # the page of older articles, if any
    next_archive: int | None = None  # for an archive page: the page of newer articles, if full already
    hubs: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return feed_path(self.scope, self.fmt, self.page)

    @property
    def is_archive(self) -> bool:
        return self.page is not None

    def url(self, site: Site, fmt: FeedFormat | None = None) -> str:
        """This document's URL, or its sibling's in format `fmt`."""
        return site.public_url(feed_path(self.scope, fmt or self.fmt, self.page))

    def page_url(self, site: Site, page: int | None) -> str:
        """The URL of another page of this scope and format (None: the current feed)."""
        return site.public_url(feed_path(self.scope, self.fmt, page))


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS.sub("", text)


def _content_html(site: Site, article: Article) -> str:
    """The body, its links absolute, under the lead photo (for readers that ignore Media RSS)."""
    body = absolutize_links(article.body, site.article_url(article.slug))
    shown = feed_image(site, article)
    if shown is None or article.image is None:
        return body
    size = f' width="{shown["width"]}" height="{shown["height"]}"' if shown.get("width") else ""
    words = " ".join(
        w for w in (article.image.caption, article.image.credit and f"({article.image.credit})") if w
    )
    caption = f"<figcaption>{html.escape(words)}</figcaption>" if words else ""
    image = f'<img src="{html.escape(shown["url"])}" alt="{html.escape(article.image.alt)}"{size}>'
    return f"<figure>{image}{caption}</figure>{body}"


def _categories(article: Article) -> list[str]:
    return list(dict.fromkeys([article.section, *article.tags]))


def feed_image(site: Site, article: Article | ArticleCard) -> dict[str, Any] | None:
    """The picture a feed item carries: of a photo sent with the article, its narrowest JPEG at least
    `limits.FEED_IMAGE_WIDTH` wide (else its widest), with its size and type; else the image's URL."""
    image = article.image
    if image is None:
        return None
    jpegs = [r for r in image.renditions if r.type == "image/jpeg"]
    if not jpegs:
        return {"url": site.absolute(image.url)}
    chosen = next((r for r in jpegs if r.width >= limits.FEED_IMAGE_WIDTH), jpegs[-1])
    return {
        "url": site.absolute(chosen.url),
        "type": chosen.type,
        "width": chosen.width,
        "height": chosen.height,
    }


def _newest_update(articles: Sequence[Article]) -> datetime:
    return max((article.updated_at for article in articles), default=EPOCH)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _atom_links(parent: ET.Element, tag: str, site: Site, doc: Document) -> None:
    """self, the HTML page (Atom) or the same document in the other formats (RSS), hubs, and RFC 5005
    neighbours. An Atom feed's one `alternate` is its HTML page: readers take the first or the last alternate
    as the site's link (newsboat the last), so another format there would become the site's link. RSS names
    its HTML page in <link>, which readers take whatever atom:link says."""
    _sub(parent, tag, href=doc.url(site), rel="self", type=doc.fmt.media_type)
    if doc.fmt is FeedFormat.RSS:
        for fmt in FeedFormat:
            if fmt is not doc.fmt:
                _sub(parent, tag, href=doc.url(site, fmt), rel="alternate", type=fmt.media_type)
    else:
        _sub(parent, tag, href=scope_page_url(site, doc.scope), rel="alternate", type="text/html")
    for hub in doc.hubs:
        _sub(parent, tag, href=hub, rel="hub")
    if doc.is_archive:
        _sub(parent, tag, href=doc.page_url(site, None), rel="current", type=doc.fmt.media_type)
    if doc.prev_archive is not None:
        _sub(
            parent,
            tag,
            href=doc.page_url(site, doc.prev_archive),
            rel="prev-archive",
            type=doc.fmt.media_type,
        )
    if doc.next_archive is not None:
        _sub(
            parent,
            tag,
            href=doc.page_url(site, doc.next_archive),
            rel="next-archive",
            type=doc.fmt.media_type,
        )


def _title(site: Site, doc: Document) -> str:
    title = scope_title(site, doc.scope)
    return f"{title} (archive {doc.page})" if doc.is_archive else title


def render_rss(site: Site, doc: Document, articles: Sequence[Article]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", _title(site, doc))
    _sub(channel, "link", scope_page_url(site, doc.scope))
    _sub(channel, "description", html.escape(site.description or scope_title(site, doc.scope), quote=False))
    _sub(channel, "language", site.language)
    _atom_links(channel, f"{{{ATOM_NS}}}link", site, doc)
    if doc.is_archive:
        _sub(channel, f"{{{HISTORY_NS}}}archive")
    _sub(channel, "generator", GENERATOR)
    image = _sub(channel, "image")  # RSS 2.0: a GIF, JPEG or PNG at most 144 wide, linking to the site
    _sub(image, "url", site.public_url(RSS_ICON))
    _sub(image, "title", _title(site, doc))
    _sub(image, "link", scope_page_url(site, doc.scope))
    _sub(image, "width", str(ICON_SIZES[RSS_ICON]))
    _sub(image, "height", str(ICON_SIZES[RSS_ICON]))
    if articles:
        _sub(channel, "lastBuildDate", format_datetime(_newest_update(articles), usegmt=True))
    for article in articles:
        item = _sub(channel, "item")
        _sub(item, "title", article.title)
        _sub(item, "link", site.article_url(article.slug))
        _sub(item, "guid", f"urn:uuid:{article.id}", isPermaLink="false")
        _sub(item, "pubDate", format_datetime(article.published_at, usegmt=True))
        # RSS readers render <description> as HTML: the plain-text summary is HTML-escaped first, so text
        # such as "<img onerror=...>" quoted in an article stays text.
        _sub(item, "description", html.escape(article.summary, quote=False))
        _sub(item, f"{{{CONTENT_NS}}}encoded", _content_html(site, article))
        for author in article.authors:
            _sub(item, f"{{{DC_NS}}}creator", author)
        for category in _categories(article):
            _sub(item, "category", category)
        _media(item, site, article)
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _media(parent: ET.Element, site: Site, article: Article) -> None:
    shown = feed_image(site, article)
    if shown is None or article.image is None:
        return
    media = _sub(parent, f"{{{MEDIA_NS}}}content", medium="image", **{k: str(v) for k, v in shown.items()})
    if article.image.caption or article.image.alt:
        _sub(media, f"{{{MEDIA_NS}}}description", article.image.caption or article.image.alt, type="plain")
    if article.image.credit:
        _sub(media, f"{{{MEDIA_NS}}}credit", article.image.credit)


def render_atom(site: Site, doc: Document, articles: Sequence[Article]) -> bytes:
    atom = ET.Element("feed", {"xmlns": ATOM_NS, f"{{{XML_NS}}}lang": site.language})
    _sub(atom, "id", doc.url(site))
    _sub(atom, "title", _title(site, doc), type="text")
    if site.description:
        _sub(atom, "subtitle", site.description, type="text")
    _sub(atom, "updated", format_utc(_newest_update(articles)))
    _atom_links(atom, "link", site, doc)
    author = _sub(atom, "author")
    _sub(author, "name", site.name)
    _sub(author, "uri", site.url)
    _sub(atom, "generator", GENERATOR)
    _sub(atom, "icon", site.public_url(FAVICON))
    _sub(atom, "logo", site.public_url(ICON))
    if doc.is_archive:
        _sub(atom, f"{{{HISTORY_NS}}}archive")
    for article in articles:
        entry = _sub(
            atom,
            "entry",
            **({f"{{{XML_NS}}}lang": article.language} if article.language != site.language else {}),
        )
        _sub(entry, "id", f"urn:uuid:{article.id}")
        _sub(entry, "title", article.title, type="text")
        _sub(
            entry,
            "link",
            href=site.article_url(article.slug),
            rel="alternate",
            type="text/html",
        )
        _sub(entry, "published", format_utc(article.published_at))
        _sub(entry, "updated", format_utc(article.updated_at))
        for name in article.authors:
            _sub(_sub(entry, "author"), "name", name)
        for category in _categories(article):
            _sub(entry, "category", term=category)
        _sub(entry, "summary", article.summary, type="text")
        _sub(entry, "content", _content_html(site, article), type="html")
        _media(entry, site, article)
    # Atom elements are left unqualified under an explicit default xmlns: ElementTree cannot otherwise
    # write Atom in the default namespace, and prefixed Atom trips some readers.
    document: bytes = ET.tostring(atom, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def render_json_feed(site: Site, doc: Document, articles: Sequence[Article]) -> bytes:
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _title(site, doc),
        "home_page_url": scope_page_url(site, doc.scope),
        "feed_url": doc.url(site),
        "description": site.description or scope_title(site, doc.scope),
        "language": site.language,
        "icon": site.public_url(ICON),
        "favicon": site.public_url(FAVICON),
    }
    if doc.prev_archive is not None:  # JSON Feed's pagination: next_url leads to older items
        feed["next_url"] = doc.page_url(site, doc.prev_archive)
    if doc.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in doc.hubs]
    feed["authors"] = [{"name": site.name, "url": site.url}]
    feed["items"] = []
    for article in articles:
        item: dict[str, Any] = {
            "id": f"urn:uuid:{article.id}",
            "url": site.article_url(article.slug),
            **({"external_url": article.canonical_url} if article.canonical_url else {}),
            "title": article.title,
            "content_html": _content_html(site, article),
            "summary": article.summary,
            "date_published": format_utc(article.published_at),
            "date_modified": format_utc(article.updated_at),
            "tags": _categories(article),
            "language": article.language,
        }
        if (shown := feed_image(site, article)) is not None:
            item["image"] = shown["url"]
        if article.image and (banner := next((c for c in article.image.crops if c.name == "og"), None)):
            item["banner_image"] = site.absolute(banner.url)
        if article.authors:
            item["authors"] = [{"name": name} for name in article.authors]
        feed["items"].append(item)
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode()


RENDERERS: dict[FeedFormat, Callable[[Site, Document, Sequence[Article]], bytes]] = {
    FeedFormat.RSS: render_rss,
    FeedFormat.ATOM: render_atom,
    FeedFormat.JSON: render_json_feed,
}


def render_feed(
    site: Site, doc: Document, articles: Sequence[Article], max_bytes: int = limits.MAX_FEED_BYTES
) -> SiteFile:
    """The file for `doc`, with as many of `articles` (newest first) as fit in `max_bytes`."""
    render = RENDERERS[doc.fmt]
    count = len(articles)
    body = render(site, doc, articles)
    while len(body) > max_bytes and count > 0:
        count = min(count - 1, count * max_bytes // len(body))
        body = render(site, doc, articles[:count])
    cache = caching.ARCHIVE if doc.is_archive else caching.ARTICLE
    return SiteFile(path=doc.path, body=body, content_type=doc.fmt.content_type, cache_control=cache)
