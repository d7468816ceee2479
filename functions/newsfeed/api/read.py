"""The read API's list endpoints (every other endpoint than the article answer, `api.article`), over one
reader of the content table: every request is one DynamoDB read (a GetItem or one bounded Query)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.article import published
from newsfeed.api.http import bad_parameter, not_found
from newsfeed.api.shapes import (
    article_list,
    feed_links,
    next_page,
    position,
    query,
    respond,
    scope_summary,
    summary_of,
)
from newsfeed.dal.items import record_from_values
from newsfeed.dal.stored import StoredValues
from newsfeed.logic.ports import SearchArticles, SearchReader
from newsfeed.models import caching
from newsfeed.models.article import Article, ArticleCard
from newsfeed.models.listing import (
    ArticleListQuery,
    ArticlePage,
    FeedList,
    NextPage,
    PageQuery,
    RelatedItem,
    RelatedList,
    RelatedQuery,
    RelatedReason,
    RevisionList,
    RevisionsQuery,
    RevisionSummary,
    ScopeList,
    ScopeListQuery,
    ScopePage,
)
from newsfeed.models.scope import SITE, ListQuery, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import is_valid_slug


class ArticleReader(SearchArticles, Protocol):
    def stored_article(self, slug: str, *, consistent: bool = ...) -> StoredValues | None: ...

    def revisions(self, article_id: str, limit: int) -> list[Article]: ...


class ListReader(Protocol):
    def list_page(self, query: ListQuery) -> tuple[list[ArticleCard], str | None]: ...

    def scopes(
        self, limit: int, after: str | None = ..., kind: ScopeKind | None = ...
    ) -> tuple[list[Scope], str | None]: ...


class ContentReader(Protocol):
    """The content table as the read endpoints use it: its articles and its lists."""

    @property
    def articles(self) -> ArticleReader: ...

    @property
    def lists(self) -> ListReader: ...

    @property
    def search(self) -> SearchReader: ...


class ReadApi:
    """The endpoints, over one reader of the content table and the site's settings."""

    def __init__(self, content: ContentReader, site: Site) -> None:
        self.stored, self.listed, self.site = content.articles, content.lists, site
        self.index = content.search

    def published(self, request: Request, suffix: str) -> Article:
        record = record_from_values(published(self.stored, request, suffix))
        if not isinstance(record, Article):  # published() answers only for published articles
            raise TypeError(f"{request.path_params['slug']} is not an article")
        return record

    async def articles(self, request: Request) -> Response:
        params = query(request, ArticleListQuery)
        if params.since and params.until and params.since > params.until:  # nothing is in that range
            return respond(request, ArticlePage(items=[]), cache_control=caching.LIST)
        cards, last = self.listed.list_page(article_list(params))
        next_link, headers = next_page(request, last, params.limit)
        page = ArticlePage(items=[summary_of(self.site, card) for card in cards], next=next_link)
        return respond(request, page, cache_control=caching.LIST, headers=headers)

    async def related(self, request: Request) -> Response:
        params = query(request, RelatedQuery)
        article = self.published(request, "/related")
        items = [
            RelatedItem(
                **dict(summary_of(self.site, card)),
                reason=RelatedReason(kind="curated" if card.curated else "automatic", score=card.score),
            )
            for card in article.related[: params.limit]
        ]
        return respond(request, RelatedList(items=items), cache_control=caching.ARTICLE)

    async def revisions(self, request: Request) -> Response:
        params = query(request, RevisionsQuery)
        article = self.published(request, "/revisions")
        items = [
            RevisionSummary(
                revision=kept.revision,
                slug=kept.slug,
                title=kept.title,
                summary=kept.summary,
                updated_at=kept.updated_at,
                current=kept.revision == article.revision,
            )
            for kept in self.stored.revisions(article.id, params.limit)
        ]
        return respond(
            request, RevisionList(article_id=article.id, items=items), cache_control=caching.ARTICLE
        )

    def _scopes(
        self, request: Request, kind: ScopeKind | None
    ) -> tuple[list[Scope], NextPage | None, dict[str, str]]:
        params = query(request, ScopeListQuery)
        scopes, last = self.listed.scopes(params.limit, position(params.cursor), kind)
        return scopes, *next_page(request, last, params.limit)

    async def feeds(self, request: Request) -> Response:
        """The site's feeds, then every section's and tag's, by kind and slug."""
        scopes, next_link, headers = self._scopes(request, None)
        first = [feed_links(self.site, SITE)] if "cursor" not in request.query_params else []
        body = FeedList(items=first + [feed_links(self.site, s) for s in scopes], next=next_link)
        return respond(request, body, cache_control=caching.LIST, headers=headers)

    async def sections(self, request: Request) -> Response:
        return self._scope_list(request, ScopeKind.SECTION)

    async def tags(self, request: Request) -> Response:
        return self._scope_list(request, ScopeKind.TAG)

    def _scope_list(self, request: Request, kind: ScopeKind) -> Response:
        scopes, next_link, headers = self._scopes(request, kind)
        body = ScopeList(items=[scope_summary(request, self.site, s) for s in scopes], next=next_link)
        return respond(request, body, cache_control=caching.LIST, headers=headers)

    async def section(self, request: Request) -> Response:
        return self._scope_page(request, ScopeKind.SECTION)

    async def tag(self, request: Request) -> Response:
        return self._scope_page(request, ScopeKind.TAG)

    def _scope_page(self, request: Request, kind: ScopeKind) -> Response:
        slug = request.path_params["slug"]
        if not is_valid_slug(slug):
            raise bad_parameter("slug", f"is not a valid {kind.value} slug")
        params = query(request, PageQuery)
        cards, last = self.listed.list_page(
            ListQuery(Scope(kind, slug), params.limit, position(params.cursor))
        )
        if not cards and params.cursor is None:
            raise not_found(f"There is no {kind.value} '{slug}' with published articles.")
        name = slug
        if cards and kind is ScopeKind.SECTION:
            name = cards[0].section
        elif cards:
            name = dict(zip(cards[0].tag_slugs, cards[0].tags, strict=False)).get(slug, slug)
        next_link, headers = next_page(request, last, params.limit)
        body = ScopePage(
            scope=scope_summary(request, self.site, Scope(kind, slug, name)),
            items=[summary_of(self.site, c) for c in cards],
            next=next_link,
        )
        return respond(request, body, cache_control=caching.LIST, headers=headers)

    async def search(self, request: Request) -> Response:
        from newsfeed.api.search import search_page

        return search_page(request, self.index, self.stored, self.site)

    async def search_page(self, request: Request) -> Response:
        from newsfeed.api.search import search_site_page

        return search_site_page(request, self.index, self.stored, self.site)
