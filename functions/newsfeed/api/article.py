"""GET /articles/{slug}: one read of the stored article, answered from its stored values.

The values were validated when they were uploaded and stored as the JSON the model dumps; the answer picks
the public fields (all but models.article_shape.NOT_SERVED) and makes the URLs absolute. No model is built
and no pydantic imported before the first answer: tests/integration/test_api_cold_start.py fixes what the API
function imports, tests/integration/test_api.py checks the answer against ArticleOut.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.http import Problem, bad_parameter, not_found, respond_bytes
from newsfeed.dal.stored import StoredValues
from newsfeed.models import caching
from newsfeed.models.article_shape import (
    ANSWER_ORDER,
    MOVED,
    UNPUBLISHED,
    ArticleStatus,
    answered,
    selected_fields,
)
from newsfeed.models.site import Site, article_path
from newsfeed.models.text import is_valid_slug


class StoredArticleSource(Protocol):
    def stored_article(self, slug: str, *, consistent: bool = ...) -> StoredValues | None: ...


def published(source: StoredArticleSource, request: Request, suffix: str = "") -> StoredValues:
    """The stored values of the published article at the request's `slug`; else the problem to answer: 400
    for a slug that cannot be one, 301 to its new slug (keeping `suffix`, the rest of the path, and the API's
    root path, so the redirect stays in the API wherever it is mounted), 410, 404."""
    slug = request.path_params["slug"]
    if not is_valid_slug(slug):
        raise bad_parameter("slug", "is not a valid article slug (lower-case letters, digits and hyphens)")
    stored = source.stored_article(slug, consistent=False) or {}
    status = stored.get("status")
    if status == MOVED:
        location = f"{request.scope.get('root_path', '')}/{article_path(stored['moved_to'])}{suffix}"
        raise Problem(
            301,
            "Moved Permanently",
            f"This article is now at {location}",
            location=location,
            cache_control=caching.UNPUBLISHED,
        )
    if status == UNPUBLISHED:
        raise Problem(
            410, "Gone", f"The article '{slug}' has been unpublished.", cache_control=caching.UNPUBLISHED
        )
    if status != ArticleStatus.PUBLISHED:
        raise not_found(f"There is no article '{slug}'.")
    return stored


def article_json(site: Site, stored: StoredValues, fields: set[str] | None = None) -> bytes:
    """The article as ArticleOut (its documented schema), or only `fields` of it."""
    answer: dict[str, Any] = {}
    names = answered(stored)
    for name in names if fields is None else (f for f in names if f in fields):
        if name == "url":
            answer[name] = site.article_url(stored["slug"])
        elif name == "image" and stored.get("image"):
            answer[name] = site.absolute_image(stored["image"])
        elif name == "body_images":
            answer[name] = [site.absolute_image(image) for image in stored.get(name) or []]
        elif stored.get(name) is not None:
            answer[name] = stored[name]
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"), default=_number).encode()


def _number(value: object) -> int | float:
    """DynamoDB's numbers come back as Decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class ArticleAnswer:
    """The endpoint: `?fields=` is its only parameter (ArticleQuery documents it)."""

    def __init__(self, source: StoredArticleSource, site: Site) -> None:
        self.source, self.site = source, site

    async def __call__(self, request: Request) -> Response:
        for name in request.query_params:
            if name != "fields":
                raise bad_parameter(name, "is not a parameter of this endpoint")
            if len(request.query_params.getlist(name)) > 1:
                raise bad_parameter(name, "is given more than once")
        fields = None
        if "fields" in request.query_params:
            try:
                fields = selected_fields(request.query_params["fields"], ANSWER_ORDER)
            except ValueError:
                from newsfeed.models.api import SERVED  # a field added since, or an error naming every one

                try:
                    fields = selected_fields(request.query_params["fields"], SERVED)
                except ValueError as invalid:
                    raise bad_parameter("fields", str(invalid)) from None
        stored = published(self.source, request)
        return respond_bytes(request, article_json(self.site, stored, fields), cache_control=caching.ARTICLE)
