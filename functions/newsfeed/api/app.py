"""The HTTP API apps build on. Every request is one DynamoDB read (a GetItem or one bounded Query).

Starlette rather than FastAPI, and list shapes imported on first use: the API function's cold start is
budgeted against boto3's own (tests/bench/bench_cold_start.py prints the ratio). The routes below are also
the source of the OpenAPI document (`api.openapi`), so what is served and what is documented are one list.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsfeed import __version__
from newsfeed.api.operations import Endpoint, Operation
from newsfeed.models.api import ARTICLE_FIELDS, ArticleSummary, selected_fields
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Gone, Moved
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import is_valid_slug

if TYPE_CHECKING:
    from newsfeed.models.api import ProblemDetail
    from newsfeed.models.listing import ArticleListQuery, FeedLinks, NextPage, ScopeSummary

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
CACHE_ARTICLE = "public, max-age=60, stale-while-revalidate=300"
CACHE_LIST = "public, max-age=30, stale-while-revalidate=120"
CACHE_MISSING = "public, max-age=30"
CACHE_GONE = "public, max-age=300"
CACHE_DOCS = "public, max-age=300"
NO_STORE = "no-store"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Link, Location"}
Q = TypeVar("Q", bound=BaseModel)


class ArticleReader(Protocol):
    def article_record(self, slug: str, *, consistent: bool = ...) -> ArticleRecord | None: ...

    def list_page(
        self,
        scope: Scope,
        limit: int,
        after: str | None = ...,
        *,
        since: str | None = ...,
        until: str | None = ...,
        where: dict[str, str] | None = ...,
        consistent: bool = ...,
    ) -> tuple[list[ArticleCard], str | None]: ...

    def scopes(
        self, limit: int, after: str | None = ..., kind: ScopeKind | None = ...
    ) -> tuple[list[Scope], str | None]: ...

    def revisions(self, article_id: str, limit: int) -> list[Article]: ...


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        parameter: str | None = None,
        location: str | None = None,
        cache_control: str = NO_STORE,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.parameter, self.location, self.cache_control = parameter, location, cache_control

    @property
    def body(self) -> ProblemDetail:
        from newsfeed.models.api import ProblemDetail  # built on the first error only

        return ProblemDetail(
            title=self.title,
            status=self.status,
            detail=self.detail,
            parameter=self.parameter,
            location=self.location,
        )


def bad_parameter(name: str, why: str) -> Problem:
    return Problem(400, "Bad Request", f"'{name}' {why}", parameter=name)


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", what, cache_control=CACHE_MISSING)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def respond_bytes(
    request: Request,
    body: bytes,
    *,
    cache_control: str,
    status: int = 200,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    """With ETag, Cache-Control and CORS; 304 when the client already has these bytes."""
    etag = _etag(body)
    all_headers = {"ETag": etag, "Cache-Control": cache_control, **CORS, **(headers or {})}
    if status == 200 and _not_modified(request, etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status, media_type=media_type, headers=all_headers)


def respond(request: Request, model: BaseModel, **kwargs: Any) -> Response:
    return respond_bytes(request, model.model_dump_json(exclude_none=True, by_alias=True).encode(), **kwargs)


def query(request: Request, model: type[Q]) -> Q:
    """The query string as `model`; a 400 naming the parameter for anything unknown, repeated or invalid."""
    params = request.query_params
    for name in params:
        if len(params.getlist(name)) > 1:
            raise bad_parameter(name, "is given more than once")
    try:
        return model.model_validate(dict(params))
    except ValidationError as invalid:
        error = invalid.errors(include_url=False)[0]
        name = str(error["loc"][0]) if error["loc"] else "query"
        if error["type"] == "extra_forbidden":
            raise bad_parameter(name, "is not a parameter of this endpoint") from None
        raise bad_parameter(name, error["msg"].removeprefix("Value error, ")) from None


def summary_of(site: Site, card: ArticleCard | Article) -> ArticleSummary:
    return ArticleSummary(
        id=card.id,
        slug=card.slug,
        url=site.article_url(card.slug, card.canonical_url),
        title=card.title,
        subtitle=card.subtitle,
        summary=card.summary,
        section=card.section,
        section_slug=card.section_slug,
        tags=card.tags,
        authors=card.authors,
        published_at=card.published_at,
        updated_at=card.updated_at,
        language=card.language,
        image=card.image.model_copy(update={"url": site.absolute(card.image.url)}) if card.image else None,
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


def list_target(params: ArticleListQuery) -> tuple[Scope, dict[str, str]]:
    """The one list to Query (the most selective filter's) and the other filters to apply on it."""
    where = {"section_slug": params.section, "tag_slugs": params.tag, "author_slugs": params.author}
    for kind, attribute, value in (
        (ScopeKind.TAG, "tag_slugs", params.tag),
        (ScopeKind.AUTHOR, "author_slugs", params.author),
        (ScopeKind.SECTION, "section_slug", params.section),
    ):
        if value:
            return Scope(kind, value), {k: v for k, v in where.items() if v and k != attribute}
    return SITE, {}


def guarded(handler: Endpoint) -> Endpoint:
    """Anything unexpected becomes a logged 500 problem: no stack trace ever reaches a client."""

    @functools.wraps(handler)
    async def guarded_handler(request: Request) -> Response:
        try:
            return await handler(request)
        except (Problem, HTTPException):
            raise
        except Exception:
            from newsfeed.observability import (
                logger,  # on first failure: keeps Powertools out of the cold start
            )

            logger.exception("request failed", extra={"path": request.url.path})
            raise Problem(500, "Internal Server Error", "Something went wrong on our side.") from None

    return guarded_handler


class ReadApi:
    """The endpoints, over one reader of the content table and the site's settings."""

    def __init__(self, reader: ArticleReader, site: Site) -> None:
        self.reader, self.site = reader, site

    def published(self, slug: str, suffix: str = "") -> Article:
        if not is_valid_slug(slug):
            raise bad_parameter(
                "slug", "is not a valid article slug (lower-case letters, digits and hyphens)"
            )
        record = self.reader.article_record(slug, consistent=False)
        if isinstance(record, Moved):
            location = f"/articles/{record.moved_to}{suffix}"
            raise Problem(
                301,
                "Moved Permanently",
                f"This article is now at {location}",
                location=location,
                cache_control=CACHE_GONE,
            )
        if isinstance(record, Gone):
            raise Problem(
                410, "Gone", f"The article '{slug}' has been unpublished.", cache_control=CACHE_GONE
            )
        if not isinstance(record, Article) or not record.is_public:
            raise not_found(f"There is no article '{slug}'.")
        return record

    async def health(self, request: Request) -> Response:
        from newsfeed.models.listing import Health

        return respond(request, Health(status="ok", version=__version__), cache_control=NO_STORE)

    async def articles(self, request: Request) -> Response:
        from newsfeed.models.listing import ArticleListQuery, ArticlePage
        from newsfeed.models.text import format_utc

        params = query(request, ArticleListQuery)
        if params.since and params.until and params.since > params.until:  # nothing is in that range
            return respond(request, ArticlePage(items=[]), cache_control=CACHE_LIST)
        scope, where = list_target(params)
        cards, last = self.reader.list_page(
            scope,
            params.limit,
            position(params.cursor),
            since=format_utc(params.since) if params.since else None,
            until=format_utc(params.until) if params.until else None,
            where=where,
        )
        next_link, headers = next_page(request, last, params.limit)
        page = ArticlePage(items=[summary_of(self.site, card) for card in cards], next=next_link)
        return respond(request, page, cache_control=CACHE_LIST, headers=headers)

    async def article(self, request: Request) -> Response:
        # Checked by hand rather than through its query model (ArticleQuery, which documents it), so the cold
        # start's first request builds only the models it answers with.
        for name in request.query_params:
            if name != "fields":
                raise bad_parameter(name, "is not a parameter of this endpoint")
            if len(request.query_params.getlist(name)) > 1:
                raise bad_parameter(name, "is given more than once")
        fields = None
        if "fields" in request.query_params:
            try:
                fields = selected_fields(request.query_params["fields"])
            except ValueError as invalid:
                raise bad_parameter("fields", str(invalid)) from None
        body = article_json(self.site, self.published(request.path_params["slug"]), fields)
        return respond_bytes(request, body, cache_control=CACHE_ARTICLE)

    async def related(self, request: Request) -> Response:
        from newsfeed.models.listing import RelatedItem, RelatedList, RelatedQuery, RelatedReason

        params = query(request, RelatedQuery)
        article = self.published(request.path_params["slug"], "/related")
        items = [
            RelatedItem(
                **dict(summary_of(self.site, card)),
                reason=RelatedReason(kind="curated" if card.curated else "automatic", score=card.score),
            )
            for card in article.related[: params.limit]
        ]
        return respond(request, RelatedList(items=items), cache_control=CACHE_ARTICLE)

    async def revisions(self, request: Request) -> Response:
        from newsfeed.models.listing import RevisionList, RevisionsQuery, RevisionSummary

        params = query(request, RevisionsQuery)
        article = self.published(request.path_params["slug"], "/revisions")
        items = [
            RevisionSummary(
                revision=kept.revision,
                slug=kept.slug,
                title=kept.title,
                summary=kept.summary,
                updated_at=kept.updated_at,
                current=kept.revision == article.revision,
            )
            for kept in self.reader.revisions(article.id, params.limit)
        ]
        return respond(request, RevisionList(article_id=article.id, items=items), cache_control=CACHE_ARTICLE)

    def _scopes(
        self, request: Request, kind: ScopeKind | None
    ) -> tuple[list[Scope], NextPage | None, dict[str, str]]:
        from newsfeed.models.listing import ScopeListQuery

        params = query(request, ScopeListQuery)
        scopes, last = self.reader.scopes(params.limit, position(params.cursor), kind)
        return scopes, *next_page(request, last, params.limit)

    async def feeds(self, request: Request) -> Response:
        """The site's feeds, then every section's and tag's, by kind and slug."""
        from newsfeed.models.listing import FeedList

        scopes, next_link, headers = self._scopes(request, None)
        first = [feed_links(self.site, SITE)] if "cursor" not in request.query_params else []
        body = FeedList(items=first + [feed_links(self.site, s) for s in scopes], next=next_link)
        return respond(request, body, cache_control=CACHE_LIST, headers=headers)

    async def sections(self, request: Request) -> Response:
        return self._scope_list(request, ScopeKind.SECTION)

    async def tags(self, request: Request) -> Response:
        return self._scope_list(request, ScopeKind.TAG)

    def _scope_list(self, request: Request, kind: ScopeKind) -> Response:
        from newsfeed.models.listing import ScopeList

        scopes, next_link, headers = self._scopes(request, kind)
        body = ScopeList(items=[scope_summary(request, self.site, s) for s in scopes], next=next_link)
        return respond(request, body, cache_control=CACHE_LIST, headers=headers)

    async def section(self, request: Request) -> Response:
        return self._scope_page(request, ScopeKind.SECTION)

    async def tag(self, request: Request) -> Response:
        return self._scope_page(request, ScopeKind.TAG)

    def _scope_page(self, request: Request, kind: ScopeKind) -> Response:
        from newsfeed.models.listing import PageQuery, ScopePage

        slug = request.path_params["slug"]
        if not is_valid_slug(slug):
            raise bad_parameter("slug", f"is not a valid {kind.value} slug")
        params = query(request, PageQuery)
        cards, last = self.reader.list_page(Scope(kind, slug), params.limit, position(params.cursor))
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
        return respond(request, body, cache_control=CACHE_LIST, headers=headers)

    def operations(self) -> list[Operation]:
        """Every route, as the app serves it and the OpenAPI document describes it."""
        errors = {400: "ProblemDetail", 404: "ProblemDetail"}
        moved = {301: "ProblemDetail", 410: "ProblemDetail"}
        scope_list = {200: "ScopeList", 400: "ProblemDetail"}
        return [
            Operation("/health", "health", "Is the API up?", self.health, responses={200: "Health"}),
            Operation(
                "/articles",
                "articles",
                "Published articles, newest first, optionally filtered.",
                self.articles,
                "ArticleListQuery",
                {200: "ArticlePage", 400: "ProblemDetail"},
            ),
            Operation(
                "/articles/{slug}",
                "article",
                "One article.",
                self.article,
                "ArticleQuery",
                {200: "ArticleOut", **moved, **errors},
                ("slug",),
            ),
            Operation(
                "/articles/{slug}/related",
                "related",
                "Articles related to one article.",
                self.related,
                "RelatedQuery",
                {200: "RelatedList", **moved, **errors},
                ("slug",),
            ),
            Operation(
                "/articles/{slug}/revisions",
                "revisions",
                "Every kept revision of a published article (corrections), newest first.",
                self.revisions,
                "RevisionsQuery",
                {200: "RevisionList", **moved, **errors},
                ("slug",),
            ),
            Operation(
                "/sections",
                "sections",
                "Sections that have feeds.",
                self.sections,
                "ScopeListQuery",
                scope_list,
            ),
            Operation(
                "/sections/{slug}",
                "section",
                "A section's newest articles and its feeds.",
                self.section,
                "PageQuery",
                {200: "ScopePage", **errors},
                ("slug",),
            ),
            Operation("/tags", "tags", "Tags that have feeds.", self.tags, "ScopeListQuery", scope_list),
            Operation(
                "/tags/{slug}",
                "tag",
                "A tag's newest articles and its feeds.",
                self.tag,
                "PageQuery",
                {200: "ScopePage", **errors},
                ("slug",),
            ),
            Operation(
                "/feeds",
                "feeds",
                "Every feed: the site's, then each section's and tag's.",
                self.feeds,
                "ScopeListQuery",
                {200: "FeedList", 400: "ProblemDetail"},
            ),
        ]


async def problem(request: Request, exc: Exception) -> Response:
    from newsfeed.models.api import ProblemDetail

    if isinstance(exc, Problem):
        headers = {"Location": exc.location} if exc.location else None
        return respond(
            request,
            exc.body,
            status=exc.status,
            media_type=PROBLEM_JSON,
            cache_control=exc.cache_control,
            headers=headers,
        )
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    titles = {404: "Not Found", 405: "Method Not Allowed"}
    body = ProblemDetail(
        title=titles.get(status, "Error"),
        status=status,
        detail=f"No such endpoint: {request.method} {request.url.path}",
    )
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
    return respond(
        request, body, status=status, media_type=PROBLEM_JSON, cache_control=CACHE_MISSING, headers=headers
    )


def create_app(reader: ArticleReader, site: Site) -> Starlette:
    api = ReadApi(reader, site)
    operations = api.operations()

    generated: list[bytes] = []  # the document, built on first request

    async def openapi(request: Request) -> Response:
        from newsfeed.api.openapi import document

        if not generated:
            generated.append(document(operations, site))
        return respond_bytes(request, generated[0], cache_control=CACHE_DOCS)

    async def docs(request: Request) -> Response:
        from newsfeed.api.openapi import docs_page

        return respond_bytes(request, docs_page(site), cache_control=CACHE_DOCS, media_type="text/html")

    routes = [Route(op.path, guarded(op.endpoint), methods=["GET"], name=op.name) for op in operations]
    routes += [Route("/openapi.json", openapi, methods=["GET"]), Route("/docs", docs, methods=["GET"])]
    handlers: dict[type[Exception] | int, Callable[[Request, Exception], Awaitable[Response]]] = {
        Problem: problem,
        HTTPException: problem,
    }
    return Starlette(routes=routes, exception_handlers=handlers)
