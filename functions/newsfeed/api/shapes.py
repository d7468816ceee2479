"""What the read API answers with, from what is stored: article shapes, feed links, the next page's link."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.requests import Request

from newsfeed.models.api import ARTICLE_FIELDS, ArticleSummary
from newsfeed.models.article import Article, ArticleCard
from newsfeed.models.scope import SITE, ListQuery, Scope, ScopeKind
from newsfeed.models.site import Site

if TYPE_CHECKING:
    from newsfeed.models.listing import ArticleListQuery, FeedLinks, NextPage, ScopeSummary


_SUMMARY_STORED = tuple(set(ArticleSummary.model_fields) - {"url", "image"})  # as stored on the card


def summary_of(site: Site, card: ArticleCard | Article) -> ArticleSummary:
    """The card as the API lists it: its own fields, with the article's URL and absolute image URL."""
    image = card.image.model_copy(update={"url": site.absolute(card.image.url)}) if card.image else None
    return ArticleSummary(
        **{name: getattr(card, name) for name in _SUMMARY_STORED},
        url=site.article_url(card.slug, card.canonical_url),
        image=image,
    )


_STORED_PUBLIC_FIELDS = set(ARTICLE_FIELDS) - {"url"}


def article_json(site: Site, article: Article, fields: set[str] | None = None) -> bytes:
    """The article as ArticleOut (its documented schema), straight from the stored model's serializer: the
    first request of a cold start builds one model schema, not three. tests/integration/test_api.py checks
    the output against ArticleOut."""
    data = article.model_dump(mode="json", include=_STORED_PUBLIC_FIELDS, exclude_none=True)
    data["url"] = site.article_url(article.slug, article.canonical_url)
    if "image" in data:
        data["image"]["url"] = site.absolute(data["image"]["url"])
    if fields is not None:
        data = {name: value for name, value in data.items() if name in fields}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def feed_links(site: Site, scope: Scope) -> FeedLinks:
    from newsfeed.logic.feed_paths import FeedFormat, feed_path, scope_page_url, scope_title
    from newsfeed.models.listing import FeedLinks

    urls = {fmt.value: site.public_url(feed_path(scope, fmt)) for fmt in FeedFormat}
    return FeedLinks(
        scope=scope.kind.value,
        slug=scope.slug or None,
        name=scope_title(site, scope),
        page=scope_page_url(site, scope),
        **urls,
    )


def scope_summary(request: Request, site: Site, scope: Scope) -> ScopeSummary:
    from newsfeed.logic.feed_paths import FeedFormat, feed_path
    from newsfeed.models.listing import FeedUrls, ScopeSummary

    urls = {fmt.value: site.public_url(feed_path(scope, fmt)) for fmt in FeedFormat}
    url = str(request.url_for("tag" if scope.kind is ScopeKind.TAG else "section", slug=scope.slug))
    return ScopeSummary(slug=scope.slug, name=scope.name or scope.slug, url=url, feeds=FeedUrls(**urls))


def next_page(request: Request, last: str | None, limit: int) -> tuple[NextPage | None, dict[str, str]]:
    from newsfeed.logic.cursors import encode_cursor
    from newsfeed.models.listing import NextPage

    if last is None:
        return None, {}
    cursor = encode_cursor(last)
    url = str(request.url.include_query_params(cursor=cursor, limit=limit))
    return NextPage(cursor=cursor, url=url), {"Link": f'<{url}>; rel="next"'}


def position(cursor: str | None) -> str | None:
    from newsfeed.logic.cursors import decode_cursor

    return decode_cursor(cursor) if cursor else None


def article_list(params: ArticleListQuery) -> ListQuery:
    """The one list to Query for GET /articles (the most selective filter's) and the rest as filters on it."""
    from newsfeed.models.text import format_utc

    since = format_utc(params.since) if params.since else None
    until = format_utc(params.until) if params.until else None
    page = ListQuery(SITE, params.limit, position(params.cursor), since, until)
    if params.tag:
        return replace(
            page, scope=Scope(ScopeKind.TAG, params.tag), section=params.section, author=params.author
        )
    if params.author:
        return replace(page, scope=Scope(ScopeKind.AUTHOR, params.author), section=params.section)
    if params.section:
        return replace(page, scope=Scope(ScopeKind.SECTION, params.section))
    return page
