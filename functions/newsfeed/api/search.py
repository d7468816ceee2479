"""GET /search: a page of the articles with a query's words, best first (`logic.search.finder`), each with a
plain-text snippet and where the words are in it."""

from __future__ import annotations

import json
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.http import respond_bytes
from newsfeed.api.shapes import next_page, query, summary_of
from newsfeed.logic.ports import SearchArticles, SearchReader
from newsfeed.logic.search.finder import search
from newsfeed.logic.search.ranking import Filters
from newsfeed.models import caching
from newsfeed.models.article_shape import selected_fields
from newsfeed.models.search import SEARCH_FIELDS, Highlight, SearchPage, SearchQuery, SearchResult
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
