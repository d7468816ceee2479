"""The site's HTML pages: an article's, a scope's (front, section, tag) and its archive pages, the not-found
page, and what stays at a moved article's old address.

The look is the theme folder (`newsfeed/theme`): Jinja2 templates with autoescape on, and one stylesheet
inlined into every page, so a page is one request and its Content-Security-Policy can allow exactly that
style and nothing that runs. Rendering is deterministic (no "now"): the same article gives the same bytes,
so an unchanged page keeps its ETag and is not rewritten.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from newsfeed.logic.article_photos import alt_text, swap_images
from newsfeed.logic.html import sanitize
from newsfeed.logic.site import THEME
from newsfeed.logic.site.feeds import ILLEGAL_CHARACTERS
from newsfeed.logic.site.furniture import Furniture
from newsfeed.logic.site.paths import (
    ICON,
    OPENSEARCH,
    OPENSEARCH_TYPE,
    FeedFormat,
    feed_path,
    scope_page_url,
    scope_title,
    search_url,
)
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleCard, Image
from newsfeed.models.fediverse import ACTIVITY_JSON, Fediverse
from newsfeed.models.photo import Rendition
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

LOGO_PATH = "logo.svg"
LOGO_TYPE = "image/svg+xml"
# Primary language subtags written right to left.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "ug", "ur", "yi"})
_FEED_LABELS = {FeedFormat.RSS: "RSS", FeedFormat.ATOM: "Atom", FeedFormat.JSON: "JSON Feed"}


def _printable(value: Any) -> Any:
    """Every value a template prints, without the characters no page may carry (a lone surrogate would
    not even encode); markup stays markup."""
    if isinstance(value, str):
        return type(value)(ILLEGAL_CHARACTERS.sub("", value))
    return value


@functools.cache
def _theme() -> tuple[Environment, str, str]:
    """The template environment, the stylesheet and the Content-Security-Policy allowing just it."""
    environment = Environment(
        finalize=_printable,
        loader=FileSystemLoader(THEME),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    css = (THEME / "style.css").read_text(encoding="utf-8").strip()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' https: data:; "
        "media-src 'self' https:; base-uri 'none'; form-action 'self'"
    )
    return environment, css, csp


def logo() -> bytes:
    return (THEME / LOGO_PATH).read_bytes()


def icon(path: str) -> bytes:
    """One of the publication's PNG icons (paths.ICON_SIZES), as the theme ships it."""
    return (THEME / path).read_bytes()


def _printable_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _printable_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable_data(item) for item in value]
    return _printable(value)


def json_ld(value: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block: no '<', '>' or '&' in it, so no string in the
    data can end the block or open a comment, whatever an editor wrote."""
    text = json.dumps(_printable_data(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 -- nothing left in it can end the block


def text_direction(language: str) -> str:
    return "rtl" if language.split("-", 1)[0].lower() in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class FeedLink:
    type: str
    title: str
    url: str
    label: str


def feed_links(site: Site, scopes: Sequence[Scope]) -> list[FeedLink]:
    """Autodiscovery links for each scope's feeds, in all three formats."""
    return [
        FeedLink(
            fmt.media_type,
            f"{scope_title(site, scope)} ({_FEED_LABELS[fmt]})",
            site.public_url(feed_path(scope, fmt)),
            _FEED_LABELS[fmt],
        )
        for scope in scopes
        for fmt in FeedFormat
    ]


def _fediverse(site: Site, scope: Scope = SITE) -> dict[str, str] | None:
    """The handle a page's footer shows: its section's actor on a section's pages, else the site's."""
    if not site.fediverse_name:
        return None
    we = Fediverse(site, site.fediverse_name)
    name = scope.slug if scope.kind is ScopeKind.SECTION else we.name
    return {"handle": we.handle(name), "url": we.actor_id(name)}


def _render(template: str, site: Site, language: str, **context: Any) -> bytes:
    environment, css, csp = _theme()
    context.setdefault("fediverse", _fediverse(site))
    page = environment.get_template(template).render(
        site=site,
        lang=language,
        dir=text_direction(language),
        css=Markup(css),  # noqa: S704 -- the theme's own stylesheet
        csp=csp,
        logo_path=LOGO_PATH,
        search_url=search_url(site),
        max_query=limits.MAX_QUERY_CHARS,
        opensearch=OPENSEARCH,
        opensearch_type=OPENSEARCH_TYPE,
        activity_json=ACTIVITY_JSON,
        **Furniture(language).context(),
        **context,
    )
    return page.encode("utf-8")


def _description(card: ArticleCard) -> str:
    return card.subtitle or card.summary


# How wide a photo is shown, for the browser to pick a rendition (style.css: a column of 40rem less its
# padding; a card's thumbnail 8rem).
LEAD_SIZES = "(max-width: 40rem) calc(100vw - 2rem), 38rem"
THUMBNAIL_SIZES = "8rem"


def picture(site: Site, image: Image | None, sizes: str) -> dict[str, Any] | None:
    """What a <picture> needs: a <source> per modern format with its widths, the JPEG fallback's, and the
    photo's width and height (so the page keeps its place before it loads). An image given by URL alone
    is one <img>."""
    if image is None:
        return None
    shown: dict[str, Any] = {"src": site.absolute(image.url), "alt": image.alt, "sizes": sizes, "sources": []}
    shown |= {"srcset": "", "width": image.width, "height": image.height}
    by_type: dict[str, list[Rendition]] = {}
    for rendition in image.renditions:
        by_type.setdefault(rendition.type, []).append(rendition)
    for kind, renditions in by_type.items():
        srcset = ", ".join(f"{site.absolute(r.url)} {r.width}w" for r in renditions)
        if kind == "image/jpeg":
            shown["srcset"] = srcset
        else:
            shown["sources"].append({"type": kind, "srcset": srcset})
    return shown


def _body(site: Site, article: Article) -> Markup:
    """The body, cleaned again (a page never trusts the store), each photo sent with it a <picture>."""
    cleaned = sanitize(_printable(article.body))
    photos = {image.url: image for image in article.body_images}
    show = _theme()[0].get_template("picture.html").module.picture  # type: ignore[attr-defined]

    def shown(tag: str, src: str) -> str | None:
        if (image := photos.get(src)) is None:
            return None
        return str(show(picture(site, image.model_copy(update={"alt": alt_text(tag)}), LEAD_SIZES), "lazy"))

    return Markup(swap_images(cleaned, shown) if photos else cleaned)  # noqa: S704 -- cleaned, and our own


def _card(site: Site, card: ArticleCard, sizes: str = THUMBNAIL_SIZES) -> dict[str, Any]:
    image = card.image
    return {
        "title": card.title,
        "url": site.article_url(card.slug),
        "section": card.section,
        "section_url": scope_page_url(site, Scope(ScopeKind.SECTION, card.section_slug)),
        "published": format_utc(card.published_at),
        "published_at": card.published_at,
        "standfirst": _description(card),
        "picture": picture(site, image, sizes),
    }


# The crops NewsArticle.image lists (Google asks for 16:9, 4:3 and 1:1, each at least 1,200 pixels wide).
NEWS_ARTICLE_CROPS = ("16x9", "4x3", "1x1")


def shared_image(site: Site, image: Image | None) -> dict[str, Any] | None:
    """What a link to the article shows (OpenGraph, Twitter): the photo's 1200×630 crop, else the image."""
    if image is None:
        return None
    crop = next((c for c in image.crops if c.name == "og"), None)
    if crop is not None:
        return {"url": site.absolute(crop.url), "width": crop.width, "height": crop.height}
    return {"url": site.absolute(image.url), "width": image.width, "height": image.height}


def _news_article_images(site: Site, image: Image) -> list[Any]:
    crops = [c for name in NEWS_ARTICLE_CROPS for c in image.crops if c.name == name]
    if not crops:
        return [site.absolute(image.url)]
    return [
        {"@type": "ImageObject", "url": site.absolute(c.url), "width": c.width, "height": c.height}
        for c in crops
    ]


def _news_article(site: Site, article: Article, url: str) -> dict[str, Any]:
    """schema.org NewsArticle, as search engines read it."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": _description(article),
        "datePublished": format_utc(article.published_at),
        "dateModified": format_utc(article.updated_at),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": site.name,
            "url": site.url,
            "logo": {"@type": "ImageObject", "url": f"{site.url}/{ICON}", "width": 512, "height": 512},
        },
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "articleSection": article.section,
        "keywords": list(article.tags),
        "inLanguage": article.language,
        "url": url,
    }
    if article.image:
        data["image"] = _news_article_images(site, article.image)
    return data


def render_article_page(site: Site, article: Article) -> bytes:
    canonical = article.canonical_url or site.article_url(article.slug)  # for search engines
    section = Scope(ScopeKind.SECTION, article.section_slug, article.section)
    tags = [
        Scope(ScopeKind.TAG, slug, name) for name, slug in zip(article.tags, article.tag_slugs, strict=True)
    ]
    return _render(
        "article.html",
        site,
        article.language,
        article=article,
        canonical=canonical,
        description=_description(article),
        feeds=feed_links(site, [SITE, section]),
        published=format_utc(article.published_at),
        modified=format_utc(article.updated_at),
        updated=article.updated_at > article.published_at,
        image=shared_image(site, article.image),
        picture=picture(site, article.image, LEAD_SIZES),
        section_url=scope_page_url(site, section),
        tags=[{"name": tag.name, "url": scope_page_url(site, tag)} for tag in tags],
        body=_body(site, article),
        related=[_card(site, card) for card in article.related],
        json_ld=json_ld(_news_article(site, article, canonical)),
        activity=(
            Fediverse(site, site.fediverse_name).object_id(article.id)
            if site.fediverse_name and article.federate
            else None
        ),
    )


def render_scope_page(
    site: Site,
    scope: Scope,
    cards: Sequence[ArticleCard],
    *,
    page: int | None = None,
    older: int | None = None,
    newer: int | None = None,
    newer_is_current: bool = False,
) -> bytes:
    """A scope's newest articles (`page` None) or one of its archive pages, newest first, with links to
    the older page and to the newer one (an archive page number, or the scope's own page)."""
    heading = site.name if scope.kind is ScopeKind.SITE else (scope.name or scope.slug)
    newest = sorted(cards, key=lambda c: c.published_at, reverse=True)
    lead = page is None and bool(newest)  # a scope's own page leads with its newest story, photo and all
    shown = [
        _card(site, card, LEAD_SIZES if lead and n == 0 else THUMBNAIL_SIZES) for n, card in enumerate(newest)
    ]
    newer_url = scope_page_url(site, scope) if newer_is_current else None
    if newer is not None:
        newer_url = scope_page_url(site, scope, newer)
    return _render(
        "listing.html",
        site,
        site.language,
        heading=heading,
        page=page,
        canonical=scope_page_url(site, scope, page),
        description=site.description if scope.kind is ScopeKind.SITE else f"{heading}: {site.name}",
        feeds=feed_links(site, [scope] if scope.kind is ScopeKind.SITE else [scope, SITE]),
        fediverse=_fediverse(site, scope),
        cards=shown,
        lead=lead,
        sections=_sections_in(site, newest) if scope.kind is ScopeKind.SITE and page is None else [],
        older=scope_page_url(site, scope, older) if older is not None else None,
        newer=newer_url,
    )


def _sections_in(site: Site, cards: Sequence[ArticleCard]) -> list[dict[str, str]]:
    """The front page's navigation: the sections of the stories it shows, in the order they first appear
    (no read beyond the front page's own)."""
    sections = {card.section_slug: card.section for card in cards}
    return [
        {"name": name, "url": scope_page_url(site, Scope(ScopeKind.SECTION, slug, name))}
        for slug, name in sections.items()
    ]


def render_not_found(site: Site) -> bytes:
    return _render(
        "not_found.html",
        site,
        site.language,
        canonical=site.url,
        description="",
        feeds=feed_links(site, [SITE]),
    )


def render_moved(site: Site, new_url: str) -> bytes:
    return _render(
        "moved.html",
        site,
        site.language,
        canonical=new_url,
        description="",
        feeds=feed_links(site, [SITE]),
    )


def render_search_page(
    site: Site,
    query: str,
    results: Sequence[tuple[ArticleCard, Sequence[tuple[str, bool]]]],
    *,
    next_url: str | None = None,
    too_long: bool = False,
) -> bytes:
    """The site's search page: the results for `query` (each card with its snippet, as runs of text marked
    or not), or what to do instead."""
    shown = [
        {**_card(site, card), "language": card.language, "snippet": list(snippet)}
        for card, snippet in results
    ]
    return _render(
        "search.html",
        site,
        site.language,
        query=query,
        results=shown,
        next=next_url,
        too_long=too_long,
        canonical=search_url(site),
        description="",
        feeds=feed_links(site, [SITE]),
    )
