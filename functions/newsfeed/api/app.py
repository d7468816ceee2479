"""The read API as an ASGI app: its routes, which are also the source of the OpenAPI document (`api.openapi`),
so what is served and what is documented are one list.

Starlette rather than FastAPI, and list shapes imported on first use: the API function's cold start is
budgeted against boto3's own (tests/bench/bench_cold_start.py prints the ratio).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsfeed.api.http import CACHE_DOCS, Problem, guarded, problem, respond_bytes
from newsfeed.api.operations import Operation
from newsfeed.api.read import ArticleReader, ReadApi
from newsfeed.models.site import Site


def operations(api: ReadApi) -> list[Operation]:
    """Every route, as the app serves it and the OpenAPI document describes it."""
    errors = {400: "ProblemDetail", 404: "ProblemDetail"}
    moved = {301: "ProblemDetail", 410: "ProblemDetail"}
    scope_list = {200: "ScopeList", 400: "ProblemDetail"}
    return [
        Operation("/health", "health", "Is the API up?", api.health, responses={200: "Health"}),
        Operation(
            "/articles",
            "articles",
            "Published articles, newest first, optionally filtered.",
            api.articles,
            "ArticleListQuery",
            {200: "ArticlePage", 400: "ProblemDetail"},
        ),
        Operation(
            "/articles/{slug}",
            "article",
            "One article.",
            api.article,
            "ArticleQuery",
            {200: "ArticleOut", **moved, **errors},
            ("slug",),
        ),
        Operation(
            "/articles/{slug}/related",
            "related",
            "Articles related to one article.",
            api.related,
            "RelatedQuery",
            {200: "RelatedList", **moved, **errors},
            ("slug",),
        ),
        Operation(
            "/articles/{slug}/revisions",
            "revisions",
            "Every kept revision of a published article (corrections), newest first.",
            api.revisions,
            "RevisionsQuery",
            {200: "RevisionList", **moved, **errors},
            ("slug",),
        ),
        Operation(
            "/sections",
            "sections",
            "Sections that have feeds.",
            api.sections,
            "ScopeListQuery",
            scope_list,
        ),
        Operation(
            "/sections/{slug}",
            "section",
            "A section's newest articles and its feeds.",
            api.section,
            "PageQuery",
            {200: "ScopePage", **errors},
            ("slug",),
        ),
        Operation("/tags", "tags", "Tags that have feeds.", api.tags, "ScopeListQuery", scope_list),
        Operation(
            "/tags/{slug}",
            "tag",
            "A tag's newest articles and its feeds.",
            api.tag,
            "PageQuery",
            {200: "ScopePage", **errors},
            ("slug",),
        ),
        Operation(
            "/feeds",
            "feeds",
            "Every feed: the site's, then each section's and tag's.",
            api.feeds,
            "ScopeListQuery",
            {200: "FeedList", 400: "ProblemDetail"},
        ),
    ]


def create_app(reader: ArticleReader, site: Site) -> Starlette:
    routes_served = operations(ReadApi(reader, site))

    generated: list[bytes] = []  # the document, built on first request

    async def openapi(request: Request) -> Response:
        from newsfeed.api.openapi import document

        if not generated:
            generated.append(document(routes_served, site, str(request.base_url).rstrip("/")))
        return respond_bytes(request, generated[0], cache_control=CACHE_DOCS)

    async def docs(request: Request) -> Response:
        import json

        from newsfeed.api.docs import docs_page

        await openapi(request)  # the document, generated once
        page = docs_page(json.loads(generated[0]))
        return respond_bytes(request, page, cache_control=CACHE_DOCS, media_type="text/html; charset=utf-8")

    routes = [Route(op.path, guarded(op.endpoint), methods=["GET"], name=op.name) for op in routes_served]
    routes += [Route("/openapi.json", openapi, methods=["GET"]), Route("/docs", docs, methods=["GET"])]
    handlers: dict[type[Exception] | int, Callable[[Request, Exception], Awaitable[Response]]] = {
        Problem: problem,
        HTTPException: problem,
    }
    return Starlette(routes=routes, exception_handlers=handlers)
