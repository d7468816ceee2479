"""Where feeds and pages live in the public bucket, and the URLs they answer at: light enough for the API
function to import.

The public bucket is the site's root as CloudFront (and `make run`'s front door) serves it: a page at
`<SiteUrl>/x` is the object `x`, the front page is `index.html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from newsfeed.models.scope import Scope, ScopeKind
from newsfeed.models.site import Site, article_path


@dataclass(frozen=True)
class SiteFile:
    """A file of the public bucket: a feed, a page, the sitemap. `redirect`: answered as a 301 to that URL."""

    path: str
    body: bytes
    content_type: str
    cache_control: str
    redirect: str | None = None


class FeedFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"

    @property
    def filename(self) -> str:
        return {FeedFormat.RSS: "rss.xml", FeedFormat.ATOM: "atom.xml", FeedFormat.JSON: "feed.json"}[self]

    @property
    def media_type(self) -> str:
        return {
            FeedFormat.RSS: "application/rss+xml",
            FeedFormat.ATOM: "application/atom+xml",
            FeedFormat.JSON: "application/feed+json",
        }[self]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


def scope_dir(scope: Scope) -> str:
    if scope.kind is ScopeKind.SITE:
        return "feeds"
    return f"feeds/{scope.kind.value}s/{scope.slug}"


def feed_path(scope: Scope, fmt: FeedFormat, page: int | None = None) -> str:
    """Where a scope's current feed (or archive page `page`) lives in the public bucket."""
    if page is None:
        return f"{scope_dir(scope)}/{fmt.filename}"
    return f"{scope_dir(scope)}/archive/{page}/{fmt.filename}"


# The publication's icon as PNG (the theme's logo.svg drawn at these sizes; readers of feeds and search
# engines want a raster): the feeds' small icon, RSS's <image> (at most 144 wide), the large one.
FAVICON, RSS_ICON, ICON = "icon-64.png", "icon-144.png", "icon-512.png"
ICON_SIZES = {FAVICON: 64, RSS_ICON: 144, ICON: 512}

FRONT_PAGE = "index.html"
NOT_FOUND_PAGE = "404.html"
HTML = "text/html; charset=utf-8"
# The search page is not a file: CloudFront (and make run's front door) hands SEARCH_PAGE to the API
# function (template.yaml's SiteDistribution). OPENSEARCH describes it to browsers.
SEARCH_PAGE = "search"
OPENSEARCH = "opensearch.xml"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"


def search_url(site: Site) -> str:
    return f"{site.url}/{SEARCH_PAGE}"


def _scope_root(scope: Scope) -> str:
    return "" if scope.kind is ScopeKind.SITE else f"{scope.kind.value}s/{scope.slug}"


def article_page_path(slug: str) -> str:
    return article_path(slug)


def scope_page_path(scope: Scope, page: int | None = None) -> str:
    """Where a scope's page of newest articles (or of archive page `page`, as its feeds') lives."""
    root = _scope_root(scope)
    if page is None:
        return root or FRONT_PAGE
    return f"{root}/archive/{page}".lstrip("/")


def scope_page_url(site: Site, scope: Scope, page: int | None = None) -> str:
    """The HTML page a scope's feed stands for (its `alternate`), or one of its archive pages."""
    if page is None and scope.kind is ScopeKind.SITE:
        return site.url
    return f"{site.url}/{scope_page_path(scope, page)}"


def scope_title(site: Site, scope: Scope) -> str:
    if scope.kind is ScopeKind.SITE:
        return site.name
    return f"{site.name}: {scope.name or scope.slug}"
