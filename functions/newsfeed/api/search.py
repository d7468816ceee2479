"""GET /search: a page of the articles with a query's words, best first (`logic.search.finder`), each with a
plain-text snippet and where the words are in it; and the site's search page (`<site>/search?q=`, which
CloudFront hands to the API function as /site/search), the same search in the site's theme."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.http import respond_bytes
from newsfeed.api.shapes import next_page, query, summary_of
from newsfeed.logic.ports import SearchArticles, SearchReader
from newsfeed.logic.search.finder import search
from newsfeed.logic.search.ranking import Filters
from newsfeed.logic.search.snippets import marked_runs
from newsfeed.logic.site.paths import HTML, search_url
from newsfeed.models import caching, limits
from newsfeed.models.article import Article
from newsfeed.models.article_shape import selected_fields
from newsfeed.models.search import (
    SEARCH_CURSOR_PATTERN,
    SEARCH_FIELDS,
    Highlight,
    SearchPage,
    SearchQuery,
    SearchResult,
)
from newsfeed.models.site import Site


def _milliseconds(moment: datetime | None) -> int | None:
    return round(moment.timestamp() * 1000) if moment is not None else None


def search_page(request: Request, index: SearchReader, articles: SearchArticles, site: Site) -> Response:
    params = query(request, SearchQuery)
    filters = Filters(params.section, params.tag, _milliseconds(params.since), _milliseconds(params.until))
    start = int(params.cursor) if params.cursor else 0
    results = search(
        index, articles, params.q, filters, start=start, limit=params.limit, default_language=site.language
    )
    items = [
        SearchResult(
            **dict(summary_of(site, found.article)),
            snippet=found.snippet.text,
            highlights=[Highlight(start=a, end=b) for a, b in found.snippet.highlights],
        )
        for found in results.found
    ]
    after = str(results.next) if results.next is not None else None
    next_link, headers = next_page(request, after, params.limit)
    page = SearchPage(items=items, ignored=list(results.ignored), next=next_link)
    body = page.model_dump(mode="json", exclude_none=True, by_alias=True)
    if params.fields:
        chosen = selected_fields(params.fields, SEARCH_FIELDS)
        body["items"] = [{k: v for k, v in item.items() if k in chosen} for item in body["items"]]
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return respond_bytes(request, encoded, cache_control=caching.SEARCH, headers=headers)


def search_site_page(request: Request, index: SearchReader, articles: SearchArticles, site: Site) -> Response:
    """Readable without JavaScript: a form's GET. Any `q` is answered with a page (400 if it is too long);
    a cursor that is not one starts at the first result; other parameters are not looked at."""
    from newsfeed.logic.site.pages import render_search_page  # the theme: for the page alone

    text = request.query_params.get("q", "")
    cursor = request.query_params.get("cursor", "")
    start = int(cursor) if re.fullmatch(SEARCH_CURSOR_PATTERN, cursor) else 0
    too_long = len(text) > limits.MAX_QUERY_CHARS
    found: list[tuple[Article, list[tuple[str, bool]]]] = []
    next_url = None
    if text.strip() and not too_long:
        results = search(
            index,
            articles,
            text,
            Filters(),
            start=start,
            limit=limits.SEARCH_PAGE_SIZE,
            default_language=site.language,
        )
        found = [(one.article, marked_runs(one.snippet)) for one in results.found]
        if results.next is not None:
            next_url = f"{search_url(site)}?{urlencode({'q': text, 'cursor': results.next})}"
    page = render_search_page(site, "" if too_long else text, found, next_url=next_url, too_long=too_long)
    status = 400 if too_long else 200
    return respond_bytes(request, page, status=status, media_type=HTML, cache_control=caching.SEARCH)
