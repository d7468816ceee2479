"""Search: what the index holds (`dal.search_index` stores it, `logic.search` computes with it), and
GET /search's query and answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from newsfeed.models import limits
from newsfeed.models.api import ArticleSummary
from newsfeed.models.listing import Limit, NextPage, Since, SlugParam, Until, _Out, _Query, fields_param


@dataclass(frozen=True)
class Entry:
    """What an indexed article's postings say of it: enough to rank and filter it without reading it."""

    article_id: str
    slug: str
    seq: int  # its place in indexing order (kept through corrections)
    length: float  # its length in terms
    published: int  # its publication time, epoch milliseconds
    section: str  # its section's slug
    tags: tuple[str, ...] = ()  # its tags' slugs


@dataclass(frozen=True)
class Occurrence:
    """An article under a term: the article, and how often the term occurs there (a title word counting
    `logic.search.words.TITLE_WEIGHT` times)."""

    entry: Entry
    count: float


@dataclass(frozen=True)
class TermPostings:
    """A term's newest postings (at most the read bound); `complete` when they are all the term has."""

    postings: tuple[Occurrence, ...] = ()
    complete: bool = True


@dataclass(frozen=True)
class Indexed:
    """What the index keeps of an article to take it out or change it: its entry, its terms and language."""

    entry: Entry
    terms: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class SearchCorpus:
    """What the index knows of the archive as a whole."""

    articles: int = 0  # indexed now
    length: float = 0.0  # their total length in terms
    seq: int = 0  # sequence numbers handed out so far
    languages: dict[str, int] = field(default_factory=dict)  # articles indexed per language (primary tag)

    @property
    def average_length(self) -> float:
        return self.length / self.articles if self.articles > 0 else 0.0


class Highlight(_Out):
    start: int = Field(description="Offset of a matched word in `snippet`, in Unicode code points.")
    end: int = Field(description="Offset just past it.")


class SearchResult(ArticleSummary):
    snippet: str = Field(
        description="Plain text from the article around the words it was found by (its summary when they "
        "are only in its title); `…` where it is cut."
    )
    highlights: list[Highlight] = Field(description="The matched words in `snippet`, in order.")


SEARCH_CURSOR_PATTERN = r"^[0-9]{1,6}$"  # a place in the ranked matches
SEARCH_FIELDS = (*ArticleSummary.model_fields, *("snippet", "highlights"))


class SearchPage(_Out):
    items: list[SearchResult] = Field(
        description="Best match first: BM25 over the article's words (title, standfirst, body, tags), "
        "raised by up to a tenth for the newest matches; ties newest first."
    )
    ignored: list[str] = Field(
        description="Words of the query left out of the search: any after the first "
        f"{limits.MAX_QUERY_WORDS} (and one-letter words)."
    )
    next: NextPage | None = Field(default=None, description="Absent on the last page.")


class SearchQuery(_Query):
    """GET /search: articles with every word of `q`, best first."""

    q: str = Field(
        min_length=1,
        max_length=limits.MAX_QUERY_CHARS,
        description='Words (an article must have them all, in any form: "elections" finds "election"; '
        'common words such as "the" only rank), "exact phrases" in double quotes, and -words to leave out. '
        "Case and accents do not count; nothing else is an operator.",
    )
    section: SlugParam | None = Field(default=None, description="Only this section's articles.")
    tag: SlugParam | None = Field(default=None, description="Only this tag's articles.")
    since: Since | None = Field(default=None, alias="from", description="Published at or after.")
    until: Until | None = Field(default=None, alias="to", description="Published at or before.")
    limit: Limit = limits.SEARCH_PAGE_SIZE
    cursor: (
        Annotated[str, Field(pattern=SEARCH_CURSOR_PATTERN, description="From the previous page's `next`.")]
        | None
    ) = None
    fields: str | None = fields_param(SEARCH_FIELDS)
