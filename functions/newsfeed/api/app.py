"""The read API as an ASGI app: its routes, which are also the source of the OpenAPI document (`api.openapi`
describes each by name), so what is served and what is documented are one list.

GET /articles/{slug} is answered by `api.article`, and /health here, building no model; every other
endpoint is loaded by its first request (`operations.on_first_use`): the list endpoints with their shapes
and store (`api.read`), the documents with the schema generator (`api.docs`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsfeed import __version__
from newsfeed.api.article import ArticleAnswer, StoredArticleSource
from newsfeed.api.http import NO_STORE, PROBLEMS, guarded, respond_bytes
from newsfeed.api.operations import Endpoint, Operation, on_first_use
from newsfeed.models.site import Site

SITE_SEARCH = "/site/search"  # the site's search page, as the distribution (FeedsDistribution) forwards it

if TYPE_CHECKING:
    from newsfeed.api.docs import Documents
    from newsfeed.api.read import ContentReader, ReadApi


async def health(request: Request) -> Response:
    """Is the API up? (No model: a first request for it loads nothing more, models.listing.Health is its
    documented shape.)"""
    answer = {"status": "ok", "version": __version__}
    return respond_bytes(request, json.dumps(answer).encode(), cache_control=NO_STORE)


def create_app(site: Site, articles: StoredArticleSource, content: Callable[[], ContentReader]) -> Starlette:
    """The app over `articles` (what the article answer reads) and `content` (makes the reader of everything
    else, on the first request that needs it)."""

    @cache
    def read_api() -> ReadApi:
        from newsfeed.api.read import ReadApi

        return ReadApi(content(), site)

    def listed(endpoint: Callable[[ReadApi], Endpoint]) -> Endpoint:
        return on_first_use(lambda: endpoint(read_api()))

    served = [
        Operation("/health", "health", health),
        Operation("/articles", "articles", listed(lambda api: api.articles)),
        Operation("/articles/{slug}", "article", ArticleAnswer(articles, site)),
        Operation("/articles/{slug}/related", "related", listed(lambda api: api.related)),
        Operation("/articles/{slug}/revisions", "revisions", listed(lambda api: api.revisions)),
        Operation("/sections", "sections", listed(lambda api: api.sections)),
        Operation("/sections/{slug}", "section", listed(lambda api: api.section)),
        Operation("/tags", "tags", listed(lambda api: api.tags)),
        Operation("/tags/{slug}", "tag", listed(lambda api: api.tag)),
        Operation("/feeds", "feeds", listed(lambda api: api.feeds)),
        Operation("/search", "search", listed(lambda api: api.search)),
    ]

    @cache
    def documents() -> Documents:
        from newsfeed.api.docs import Documents

        return Documents(served, site)

    routes = [Route(op.path, guarded(op.endpoint), methods=["GET"], name=op.name) for op in served]
    routes += [
        Route(SITE_SEARCH, guarded(listed(lambda api: api.search_page)), methods=["GET"]),
        Route("/openapi.json", on_first_use(lambda: documents().openapi), methods=["GET"]),
        Route("/docs", on_first_use(lambda: documents().page), methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers=PROBLEMS)
