"""The OpenAPI 3.1 document, generated from the API's routes (`api.app`) and, for each route by its name,
what it is for, its query model and its answers' models (never written by hand)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from newsfeed import __version__
from newsfeed.models import limits
from newsfeed.models.api import ArticleOut, ProblemDetail
from newsfeed.models.listing import (
    ArticleListQuery,
    ArticlePage,
    ArticleQuery,
    FeedList,
    Health,
    PageQuery,
    RelatedList,
    RelatedQuery,
    RevisionList,
    RevisionsQuery,
    ScopeList,
    ScopeListQuery,
    ScopePage,
)
from newsfeed.models.search import SearchPage, SearchQuery
from newsfeed.models.text import SLUG_PATTERN

if TYPE_CHECKING:
    from newsfeed.api.operations import Operation
    from newsfeed.models.site import Site

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
_STATUS_TEXT = {
    200: "OK",
    301: "Moved: the article has a new slug (see Location)",
    304: "Not modified",
    400: "A parameter is invalid (named in `parameter`)",
    404: "Not found",
    410: "Unpublished",
    405: "Only GET is served",
}
_HEADERS = {
    "ETag": {
        "description": "Strong validator of the body; send it back in If-None-Match.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "How long caches may keep the answer.", "schema": {"type": "string"}},
}


class Described(NamedTuple):
    """What the document says of one route."""

    summary: str
    query: type[BaseModel] | None
    responses: dict[int, type[BaseModel]]


_ERRORS: dict[int, type[BaseModel]] = {400: ProblemDetail, 404: ProblemDetail}
_MOVED: dict[int, type[BaseModel]] = {301: ProblemDetail, 410: ProblemDetail}
_SCOPES: dict[int, type[BaseModel]] = {200: ScopeList, 400: ProblemDetail}

ROUTES = {
    "health": Described("Is the API up?", None, {200: Health}),
    "articles": Described(
        "Published articles, newest first, optionally filtered.",
        ArticleListQuery,
        {200: ArticlePage, 400: ProblemDetail},
    ),
    "article": Described("One article.", ArticleQuery, {200: ArticleOut, **_MOVED, **_ERRORS}),
    "related": Described(
        "Articles related to one article.", RelatedQuery, {200: RelatedList, **_MOVED, **_ERRORS}
    ),
    "revisions": Described(
        "Every kept revision of a published article (corrections), newest first.",
        RevisionsQuery,
        {200: RevisionList, **_MOVED, **_ERRORS},
    ),
    "sections": Described("Sections that have feeds.", ScopeListQuery, _SCOPES),
    "section": Described(
        "A section's newest articles and its feeds.", PageQuery, {200: ScopePage, **_ERRORS}
    ),
    "tags": Described("Tags that have feeds.", ScopeListQuery, _SCOPES),
    "tag": Described("A tag's newest articles and its feeds.", PageQuery, {200: ScopePage, **_ERRORS}),
    "feeds": Described(
        "Every feed: the site's, then each section's and tag's.",
        ScopeListQuery,
        {200: FeedList, 400: ProblemDetail},
    ),
    "search": Described(
        "Published articles with every word of a query, best match first, each with a snippet.",
        SearchQuery,
        {200: SearchPage, 400: ProblemDetail},
    ),
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` as a query parameter is just X (an absent parameter is the None)."""
    options = schema.get("anyOf")
    if options and any(o.get("type") == "null" for o in options):
        rest = [o for o in options if o.get("type") != "null"]
        schema = {k: v for k, v in schema.items() if k != "anyOf"} | (
            rest[0] if len(rest) == 1 else {"anyOf": rest}
        )
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


def _parameters(
    query_model: type[BaseModel] | None, path_parameters: Sequence[str], owner: str
) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": f"The {owner}'s slug: lower-case letters, digits and hyphens.",
            "schema": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": limits.MAX_SLUG_CHARS},
        }
        for name in path_parameters
    ]
    if query_model:
        schema = query_model.model_json_schema(by_alias=True, mode="validation")
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop.pop("title", None)
            plain = _without_null(prop)  # an optional parameter's description is inside its `anyOf`
            description = prop.pop("description", None) or plain.pop("description", None)
            parameter = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": plain,
            }
            if description:
                parameter["description"] = description
            parameters.append(parameter)
    parameters.append(
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "An ETag from an earlier answer: 304 if it still holds.",
            "schema": {"type": "string"},
        }
    )
    return parameters


def _response(status: int, model: type[BaseModel]) -> dict[str, Any]:
    media = PROBLEM_JSON if model is ProblemDetail else "application/json"
    schema: dict[str, Any] = {"$ref": REF.format(model=model.__name__)}
    if model is ArticleOut:  # with ?fields= the article has only the fields asked for
        schema = {"anyOf": [schema, {"$ref": REF.format(model="ArticleFields")}]}
    headers = dict(_HEADERS)
    if status == 301:
        headers["Location"] = {"description": "The article's new URL.", "schema": {"type": "string"}}
    return {
        "description": _STATUS_TEXT.get(status, "Answer"),
        "headers": headers,
        "content": {media: {"schema": schema}},
    }


@cache
def _components(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "serialization") for model in models], ref_template=REF, by_alias=True
    )
    components: dict[str, Any] = schemas.get("$defs", {})
    partial = dict(components["ArticleOut"])
    partial.pop("required", None)
    partial["title"] = "ArticleFields"
    partial["description"] = "Some fields of an article (GET /articles/{slug}?fields=...)."
    components["ArticleFields"] = partial
    return components


def _owner(path: str) -> str:
    """What a path's {slug} names: '/sections/{slug}' -> 'section'."""
    return path.split("/")[1].removesuffix("s")


def spec(operations: Sequence[Operation], site: Site, base_url: str) -> dict[str, Any]:
    """The document; `base_url` is where the API answers (API Gateway's URL, or make run's /api)."""
    paths: dict[str, Any] = {}
    for op in operations:
        described = ROUTES[op.name]
        responses = {str(status): _response(status, model) for status, model in described.responses.items()}
        responses["304"] = {"description": _STATUS_TEXT[304], "headers": dict(_HEADERS)}
        responses["405"] = {
            "description": _STATUS_TEXT[405],
            "headers": {"Allow": {"schema": {"type": "string"}}},
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="ProblemDetail")}}},
        }
        paths[op.path] = {
            "get": {
                "operationId": op.name,
                "summary": described.summary,
                "parameters": _parameters(described.query, op.path_parameters, _owner(op.path)),
                "responses": responses,
            }
        }
    answers = {m for op in operations for m in ROUTES[op.name].responses.values()} | {ProblemDetail}
    models = tuple(sorted(answers, key=lambda model: model.__name__))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site.name} API",
            "version": __version__,
            "description": "Read-only access to the publication's articles, sections, tags and feeds. "
            "Every answer carries an ETag (send it back in If-None-Match for a 304) and Cache-Control. "
            "Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": _components(models)},
    }


def document(operations: Sequence[Operation], site: Site, base_url: str) -> bytes:
    return json.dumps(spec(operations, site, base_url), ensure_ascii=False).encode()
