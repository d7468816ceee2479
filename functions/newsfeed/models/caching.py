"""Every Cache-Control that the site's files and the API's answers carry, in one place: how long readers'
caches and CloudFront may keep each kind of answer before asking again."""

from __future__ import annotations

FRESH_SECONDS = 60  # an article, its page and the feeds: a publish shows through any cache within a minute


def _public(max_age: int, stale_while_revalidate: int | None = None) -> str:
    stale = f", stale-while-revalidate={stale_while_revalidate}" if stale_while_revalidate else ""
    return f"public, max-age={max_age}{stale}"


ARTICLE = _public(FRESH_SECONDS, 300)  # an article (API answer, page, related list, revisions) and the feeds
LIST = _public(30, 120)  # the API's lists: sections, tags, a scope's articles
SEARCH = _public(5)  # search results: a takedown leaves them within seconds, through any cache
MISSING = _public(30)  # a 404: an article may appear at that address soon
UNPUBLISHED = _public(300)  # a 410: unpublished, it stays so until published again
DOCUMENT = _public(300)  # the API's description, the sitemap, robots.txt, the 404 page and the logo
ARCHIVE = _public(86_400)  # an archive page: full, it changes only when one of its articles is unpublished
PHOTO = "public, max-age=31536000, immutable"  # a rendition: its address changes with its content, never it
