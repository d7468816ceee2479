"""The HTTP API apps build on. Every request is one DynamoDB read (a GetItem or one bounded Query).

Starlette rather than FastAPI: the API function's cold start is budgeted against boto3's own
(tests/bench/bench_cold_start.py prints the ratio), and FastAPI's import alone would spend most of it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsfeed import __version__
from newsfeed.logic.cursors import InvalidCursor, decode_cursor, encode_cursor
from newsfeed.logic.feeds import FeedFormat, feed_path, scope_page_url, scope_title
from newsfeed.logic.slugs import is_valid_slug
from newsfeed.models import limits
from newsfeed.models.api import (
    ArticleOut,
    ArticlePage,
    ArticleSummary,
    FeedLinks,
    FeedList,
    Health,
    NextPage,
    ProblemDetail,
    RelatedList,
)
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Gone, Moved
from newsfeed.models.scope import SITE, Scope
from newsfeed.models.site import Site
from newsfeed.observability import logger

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
CACHE_ARTICLE = "public, max-age=60, stale-while-revalidate=300"
CACHE_LIST = "public, max-age=30, stale-while-revalidate=120"
CACHE_MISSING = "public, max-age=30"
CACHE_GONE = "public, max-age=300"
NO_STORE = "no-store"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Link, Location"}


class ArticleReader(Protocol):
    def article_record(self, slug: str, *, consistent: bool = ...) -> ArticleRecord | None: ...

    def list_page(
        self, scope: Scope, limit: int, after: str | None = ..., *, consistent: bool = ...
    ) -> tuple[list[ArticleCard], str | None]: ...


class ScopeReader(Protocol):
    def scopes(self, limit: int, after: str | None = ...) -> tuple[list[Scope], str | None]: ...


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
        self.body = ProblemDetail(
            title=title, status=status, detail=detail, parameter=parameter, location=location
        )
        self.cache_control = cache_control


def bad_parameter(name: str, why: str) -> Problem:
    return Problem(400, "Bad Request", f"'{name}' {why}", parameter=name)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def respond(
    request: Request,
    model: BaseModel,
    *,
    cache_control: str,
    status: int = 200,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON with ETag, Cache-Control and CORS; 304 when the client already has these bytes."""
    body = model.model_dump_json(exclude_none=True, by_alias=True).encode()
    etag = _etag(body)
    all_headers = {"ETag": etag, "Cache-Control": cache_control, **CORS, **(headers or {})}
    if status == 200 and _not_modified(request, etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status, media_type=media_type, headers=all_headers)


def summary_of(site: Site, card: ArticleCard | Article) -> ArticleSummary:
    return ArticleSummary(
        id=card.id,
        slug=card.slug,
        url=site.article_url(card.slug, card.canonical_url),
        title=card.title,
        subtitle=card.subtitle,
        summary=card.summary,
        section=card.section,
        tags=card.tags,
        authors=card.authors,
        published_at=card.published_at,
        updated_at=card.updated_at,
        language=card.language,
        image=card.image.model_copy(update={"url": site.absolute(card.image.url)}) if card.image else None,
    )


def article_out(site: Site, article: Article) -> ArticleOut:
    return ArticleOut(
        **summary_of(site, article).model_dump(),
        body=article.body,
        canonical_url=article.canonical_url,
        revision=article.revision,
    )


def _query(request: Request, allowed: set[str]) -> dict[str, str]:
    params = request.query_params
    for name in params:
        if name not in allowed:
            raise bad_parameter(
                name, f"is not a parameter of this endpoint (allowed: {', '.join(sorted(allowed))})"
            )
        if len(params.getlist(name)) > 1:
            raise bad_parameter(name, "is given more than once")
    return dict(params)


def _limit(value: str | None) -> int:
    if value is None:
        return limits.DEFAULT_PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= limits.MAX_PAGE_SIZE:
        raise bad_parameter("limit", f"must be a whole number from 1 to {limits.MAX_PAGE_SIZE}")
    return int(value)


Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Endpoint) -> Endpoint:
    """Anything unexpected becomes a logged 500 problem: no stack trace ever reaches a client."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except (Problem, HTTPException):
            raise
        except Exception:
            logger.exception("request failed", extra={"path": request.url.path})
            raise Problem(500, "Internal Server Error", "Something went wrong on our side.") from None

    return guarded


def feed_links(site: Site, scope: Scope) -> FeedLinks:
    def url(fmt: FeedFormat) -> str:
        return site.public_url(feed_path(scope, fmt))

    return FeedLinks(
        scope=scope.kind.value,
        slug=scope.slug or None,
        name=scope_title(site, scope),
        page=scope_page_url(site, scope),
        rss=url(FeedFormat.RSS),
        atom=url(FeedFormat.ATOM),
        json=url(FeedFormat.JSON),
    )


def _next_page(
    request: Request, last: str | None, count: int, limit: int
) -> tuple[NextPage | None, dict[str, str]]:
    if last is None or count < limit:
        return None, {}
    cursor = encode_cursor(last)
    url = str(request.url.include_query_params(cursor=cursor, limit=limit))
    return NextPage(cursor=cursor, url=url), {"Link": f'<{url}>; rel="next"'}


def _cursor(params: dict[str, str], *, scopes: bool = False) -> str | None:
    if "cursor" not in params:
        return None
    try:
        return decode_cursor(params["cursor"], scopes=scopes)
    except InvalidCursor as invalid:
        raise bad_parameter("cursor", str(invalid)) from None


def create_app(reader: ArticleReader, site: Site, registry: ScopeReader) -> Starlette:
    def published(slug: str, suffix: str = "") -> Article:
        if not is_valid_slug(slug):
            raise bad_parameter(
                "slug", "is not a valid article slug (lower-case letters, digits and hyphens)"
            )
        record = reader.article_record(slug, consistent=False)
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
            raise Problem(404, "Not Found", f"There is no article '{slug}'.", cache_control=CACHE_MISSING)
        return record

    async def health(request: Request) -> Response:
        return respond(request, Health(status="ok", version=__version__), cache_control=NO_STORE)

    async def list_articles(request: Request) -> Response:
        params = _query(request, {"limit", "cursor"})
        limit = _limit(params.get("limit"))
        cards, last = reader.list_page(SITE, limit, _cursor(params))
        next_page, headers = _next_page(request, last, len(cards), limit)
        page = ArticlePage(items=[summary_of(site, card) for card in cards], next=next_page)
        return respond(request, page, cache_control=CACHE_LIST, headers=headers)

    async def list_feeds(request: Request) -> Response:
        """The site's feeds, then every section's and tag's, by kind and slug."""
        params = _query(request, {"limit", "cursor"})
        limit = _limit(params.get("limit"))
        after = _cursor(params, scopes=True)
        scopes, last = registry.scopes(limit, after)
        items = ([feed_links(site, SITE)] if after is None else []) + [feed_links(site, s) for s in scopes]
        next_page, headers = _next_page(request, last, len(scopes), limit)
        return respond(
            request, FeedList(items=items, next=next_page), cache_control=CACHE_LIST, headers=headers
        )

    async def get_article(request: Request) -> Response:
        _query(request, set())
        article = published(request.path_params["slug"])
        return respond(request, article_out(site, article), cache_control=CACHE_ARTICLE)

    async def related(request: Request) -> Response:
        _query(request, set())
        article = published(request.path_params["slug"], "/related")
        items = [summary_of(site, card) for card in article.related]
        return respond(request, RelatedList(items=items), cache_control=CACHE_ARTICLE)

    async def problem(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Problem):
            headers = {"Location": exc.body.location} if exc.body.location else None
            return respond(
                request,
                exc.body,
                status=exc.body.status,
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
        return respond(
            request,
            body,
            status=status,
            media_type=PROBLEM_JSON,
            cache_control=CACHE_MISSING,
            headers=dict(exc.headers or {}) if isinstance(exc, HTTPException) else None,
        )

    handlers: dict[type[Exception] | int, Callable[[Request, Exception], Awaitable[Response]]] = {
        Problem: problem,
        HTTPException: problem,
    }
    return Starlette(
        routes=[
            Route("/health", endpoint(health), methods=["GET"]),
            Route("/articles", endpoint(list_articles), methods=["GET"]),
            Route("/articles/{slug}", endpoint(get_article), methods=["GET"]),
            Route("/articles/{slug}/related", endpoint(related), methods=["GET"]),
            Route("/feeds", endpoint(list_feeds), methods=["GET"]),
        ],
        exception_handlers=handlers,
    )
