"""The list shapes of the HTTP API (articles, related, revisions, sections, tags, feeds) and their query
parameters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from newsfeed.models import limits
from newsfeed.models.api import SERVED, ArticleSummary
from newsfeed.models.article import Timestamp
from newsfeed.models.text import EXAMPLE_TIME, SLUG_PATTERN, parse_instant

# The shapes of newsfeed.logic.cursors (models import nothing of ours but models).
LIST_CURSOR_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"  # the publication time, then the id
    r"~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
SCOPE_CURSOR_PATTERN = r"^(section|tag)~[a-z0-9]+(-[a-z0-9]+)*$"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class NextPage(_Out):
    cursor: str = Field(description="Opaque; pass it back as `cursor` for the next page.")
    url: str = Field(description="The full URL of the next page.")


class ArticlePage(_Out):
    items: list[ArticleSummary]
    next: NextPage | None = Field(default=None, description="Absent on the last page.")


class RelatedReason(_Out):
    """Why an article is in another's related list."""

    kind: Literal["curated", "automatic"] = Field(
        description="curated: pinned by the editor (shown first, in the editor's order); automatic: found "
        "by comparing the articles."
    )
    score: float = Field(
        description="How related: text similarity (0 to 1) times recency (1 down to 0.5 for articles far "
        "apart in time), plus 0.02 for the same section and up to 0.1 for shared tags. Automatic items "
        "come highest first; a curated one scores 0 when it was never compared."
    )


class RelatedItem(ArticleSummary):
    reason: RelatedReason


class RelatedList(_Out):
    items: list[RelatedItem] = Field(description="Curated articles first, then automatic ones by score.")


class RevisionSummary(_Out):
    revision: int = Field(description="1 for the first version; one more for each change of content.")
    slug: str = Field(description="The article's slug at that revision.")
    title: str
    summary: str
    updated_at: Timestamp = Field(description="When that revision was uploaded.")
    current: bool = Field(description="True for the revision the article is at now.")


class RevisionList(_Out):
    article_id: str
    items: list[RevisionSummary] = Field(description="Newest first.")


class FeedUrls(_Out):
    rss: str
    atom: str
    json_feed: str = Field(alias="json", serialization_alias="json")


class FeedLinks(_Out):
    """One scope's feeds."""

    scope: str = Field(description="site, section or tag")
    slug: str | None = None
    name: str
    page: str = Field(description="The HTML page the feeds stand for.")
    rss: str
    atom: str
    json_feed: str = Field(alias="json", serialization_alias="json")


class FeedList(_Out):
    items: list[FeedLinks]
    next: NextPage | None = Field(default=None, description="Absent on the last page.")


class ScopeSummary(_Out):
    """A section or a tag."""

    slug: str
    name: str
    url: str = Field(description="This API's page of its articles.")
    feeds: FeedUrls


class ScopeList(_Out):
    items: list[ScopeSummary]
    next: NextPage | None = Field(default=None, description="Absent on the last page.")


class ScopePage(_Out):
    """A section's or tag's newest articles, and its feeds."""

    scope: ScopeSummary
    items: list[ArticleSummary]
    next: NextPage | None = Field(default=None, description="Absent on the last page.")


class Health(_Out):
    status: str
    version: str


def _bound(value: Any, *, end: bool) -> datetime:
    """A day (YYYY-MM-DD, in UTC: its first or last millisecond) or an RFC 3339 time with a zone."""
    if not isinstance(value, str):
        raise ValueError(f"must be a day (2024-03-29) or a time with a zone ({EXAMPLE_TIME})")
    return parse_instant(value, day="end" if end else "start")


# What the OpenAPI document says of `from` and `to`: a day or a time with a zone, in the accepted years.
_BOUND_SCHEMA = {
    "type": "string",
    "anyOf": [{"format": "date"}, {"format": "date-time"}],
    "pattern": limits.YEARS_PATTERN,
}
Since = Annotated[
    datetime,
    BeforeValidator(lambda v: _bound(v, end=False)),
    WithJsonSchema(_BOUND_SCHEMA, mode="validation"),
]
Until = Annotated[
    datetime, BeforeValidator(lambda v: _bound(v, end=True)), WithJsonSchema(_BOUND_SCHEMA, mode="validation")
]
SlugParam = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=limits.MAX_SLUG_CHARS)]
Limit = Annotated[int, Field(ge=1, le=limits.MAX_PAGE_SIZE, description="Items per page.")]
ListCursor = Annotated[
    str, Field(pattern=LIST_CURSOR_PATTERN, description="From the previous page's `next`.")
]
ScopeCursor = Annotated[
    str, Field(pattern=SCOPE_CURSOR_PATTERN, description="From the previous page's `next`.")
]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True)


class PageQuery(_Query):
    """A page of a list of articles."""

    limit: Limit = limits.DEFAULT_PAGE_SIZE
    cursor: ListCursor | None = None


class ScopeListQuery(_Query):
    """A page of sections, tags or feeds."""

    limit: Limit = limits.DEFAULT_PAGE_SIZE
    cursor: ScopeCursor | None = None


class ArticleListQuery(PageQuery):
    """GET /articles: newest first, optionally of one section, tag or author, within a time range."""

    section: SlugParam | None = Field(default=None, description="A section's slug.")
    tag: SlugParam | None = Field(default=None, description="A tag's slug.")
    author: SlugParam | None = Field(default=None, description="An author's slug.")
    since: Since | None = Field(
        default=None, alias="from", description="Published at or after (a day, or a time)."
    )
    until: Until | None = Field(
        default=None, alias="to", description="Published at or before (a day, or a time)."
    )


class RelatedQuery(_Query):
    limit: Annotated[
        int, Field(ge=1, le=limits.RELATED_COUNT_MAX, description="How many, curated ones first.")
    ] = limits.RELATED_COUNT


class RevisionsQuery(_Query):
    """GET /articles/{slug}/revisions."""

    limit: Annotated[int, Field(ge=1, le=limits.MAX_PAGE_SIZE, description="How many, newest first.")] = (
        limits.DEFAULT_PAGE_SIZE
    )


def fields_param(known: Sequence[str]) -> Any:
    """`fields=title,slug`: some of the `known` fields, comma-separated (absent: all of them)."""
    names = "|".join(known)
    return Field(
        default=None,
        pattern=rf"^({names})(,({names}))*$",
        max_length=400,
        description=f"Comma-separated fields to return, of: {', '.join(known)}.",
    )


class ArticleQuery(_Query):
    """GET /articles/{slug}."""

    fields: str | None = fields_param(SERVED)
