"""A search, from the query's text to a page of results.

1. The corpus item (one GetItem) says how many articles there are and in which languages; the query is
   read in those (`query`, `words`).
2. Each form of each word is looked up: one Query per term, at most `limits.MAX_QUERY_WORDS` words times
   `limits.SEARCH_LANGUAGES` forms, each reading at most `limits.SEARCH_POSTINGS_READ` postings; they are
   ranked from the postings alone (`ranking`).
3. The page's matches are read back from the table, best first (one BatchGetItem per page, and at most
   `limits.SEARCH_CHECKED` articles a request), and each is checked on the article as it is now: still
   public, every word there, every phrase word after word, no excluded word. Its snippet is cut there
   (`snippets`).

So a query reads a bounded amount whatever the size of the archive; the cursor is the place in the ranked
matches where the next page starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsfeed.logic.ports import SearchArticles, SearchReader
from newsfeed.logic.search.query import Query, parse, understood
from newsfeed.logic.search.ranking import Filters, Match, ranked
from newsfeed.logic.search.snippets import Snippet, snippet
from newsfeed.logic.search.words import all_forms, article_text, has_phrase, text_terms
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.search import SearchCorpus


@dataclass(frozen=True)
class Found:
    article: Article
    snippet: Snippet


@dataclass(frozen=True)
class Results:
    found: list[Found]
    next: int | None  # where the next page starts in the ranked matches; None: this is the last
    ignored: tuple[str, ...]


def languages(corpus: SearchCorpus, default: str) -> list[str]:
    """The archive's most used languages (the site's own while it has none)."""
    used = sorted(corpus.languages.items(), key=lambda item: (-item[1], item[0]))
    return [code for code, _ in used[: limits.SEARCH_LANGUAGES]] or [default]


def has_everything(article: Article, query: Query) -> bool:
    """Whether the article as it is has every word and phrase of the query and none of its excluded words."""
    fields = [text_terms(text, article.language) for text in article_text(article)]
    terms = {term for field in fields for term in field}
    return (
        all(word.forms & terms for word in query.required)
        and all(any(has_phrase(field, phrase) for field in fields) for phrase in query.phrases)
        and not all_forms(query.excluded) & terms
    )


def _checked(matches: Sequence[Match], records: dict[str, ArticleRecord], query: Query) -> list[Found]:
    forms = all_forms(query.required)
    kept = []
    for match in matches:
        record = records.get(match.entry.slug)
        if (
            isinstance(record, Article)
            and record.id == match.entry.article_id
            and record.is_public
            and has_everything(record, query)
        ):
            kept.append(Found(record, snippet(record, forms)))
    return kept


def search(
    index: SearchReader,
    articles: SearchArticles,
    text: str,
    filters: Filters,
    *,
    start: int,
    limit: int,
    default_language: str,
) -> Results:
    corpus = index.corpus()
    query = understood(parse(text), languages(corpus, default_language))
    terms = sorted(all_forms(query.searched) | all_forms(query.excluded))
    postings = index.postings(terms, limits.SEARCH_POSTINGS_READ) if query.required else {}
    matches = ranked(query, postings, corpus, filters)
    found: list[Found] = []
    position, checked = start, 0
    while position < len(matches) and len(found) < limit and checked < limits.SEARCH_CHECKED:
        size = min(limit - len(found), limits.SEARCH_CHECKED - checked)
        chunk = matches[position : position + size]
        records = articles.article_records([m.entry.slug for m in chunk])
        found += _checked(chunk, records, query)
        position, checked = position + len(chunk), checked + len(chunk)
    return Results(found, position if position < len(matches) else None, query.ignored)
