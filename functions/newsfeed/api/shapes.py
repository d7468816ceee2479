"""What the read API's lists answer with, from what is stored: article summaries, feed links, the next
page's link; query strings read into their models, models written as JSON answers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.http import bad_parameter, respond_bytes
from newsfeed.logic.cursors import decode_cursor, encode_cursor
from newsfeed.logic.site.paths import FeedFormat, feed_path, scope_page_url, scope_title
from newsfeed.models.api import ArticleSummary
from newsfeed.models.article import Article, ArticleCard, Image
from newsfeed.models.listing import ArticleListQuery, FeedLinks, FeedUrls, NextPage, ScopeSummary
from newsfeed.models.scope import SITE, ListQuery, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

Q = TypeVar("Q", bound=BaseModel)


_SUMMARY_STORED = tuple(set(ArticleSummary.model_fields) - {"url", "image"})  # as stored on the card


def summary_of(site: Site, card: ArticleCard | Article) -> ArticleSummary:
    """The card as the API lists it: its own fields, with the article's URL and absolute image URL."""
    image = Image.model_validate(site.absolute_image(card.image.model_dump())) if card.image else None
    return ArticleSummary(
        **{name: getattr(card, name) for name in _SUMMARY_STORED},
        url=site.article_url(card.slug),
        image=image,
    )


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
        raise bad_parameter(name, _plain(error)) from None


def _plain(error: ErrorDetails) -> str:
    """What is wrong with a parameter, in the words the rest of the API uses (not pydantic's)."""
    bound = (error.get("ctx") or {}).get
    plain = {
        "greater_than_equal": f"must be at least {bound('ge')}",
        "less_than_equal": f"must be at most {bound('le')}",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "string_too_long": f"must be at most {bound('max_length')} characters long",
        "string_too_short": "must not be empty",
        "string_pattern_mismatch": "is not in the form this parameter takes (see /docs)",
    }
    return plain.get(error["type"], error["msg"].removeprefix("Value error, "))


def feed_links(site: Site, scope: Scope) -> FeedLinks:
    urls = {fmt.value: site.public_url(feed_path(scope, fmt)) for fmt in FeedFormat}
    return FeedLinks(
        scope=scope.kind.value,
        slug=scope.slug or None,
        name=scope_title(site, scope),
        page=scope_page_url(site, scope),
        **urls,
    )


def scope_summary(request: Request, site: Site, scope: Scope) -> ScopeSummary:
    urls = {fmt.value: site.public_url(feed_path(scope, fmt)) for fmt in FeedFormat}
    url = str(request.url_for("tag" if scope.kind is ScopeKind.TAG else "section", slug=scope.slug))
    return ScopeSummary(slug=scope.slug, name=scope.name or scope.slug, url=url, feeds=FeedUrls(**urls))


def next_page(request: Request, last: str | None, limit: int) -> tuple[NextPage | None, dict[str, str]]:
    if last is None:
        return None, {}
    cursor = encode_cursor(last)
    url = str(request.url.include_query_params(cursor=cursor, limit=limit))
    return NextPage(cursor=cursor, url=url), {"Link": f'<{url}>; rel="next"'}


def position(cursor: str | None) -> str | None:
    return decode_cursor(cursor) if cursor else None


def article_list(params: ArticleListQuery) -> ListQuery:
    """The one list to Query for GET /articles (the most selective filter's) and the rest as filters on it."""
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
