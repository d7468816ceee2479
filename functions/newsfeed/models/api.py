"""The shapes the HTTP API answers with (and its OpenAPI document is generated from)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from newsfeed.models.article import Image
from newsfeed.models.text import Timestamp


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ArticleSummary(_Out):
    """An article in a list: everything but the body."""

    id: str = Field(description="Immutable id, assigned at first publication; the feeds' item id.")
    slug: str
    url: str = Field(description="The article's page on the publication's website.")
    title: str
    subtitle: str = Field(description="The standfirst.")
    summary: str = Field(description="Plain text.")
    section: str
    tags: list[str]
    authors: list[str]
    published_at: Timestamp
    updated_at: Timestamp
    language: str
    image: Image | None = None


class ArticleOut(ArticleSummary):
    """One article, body included (sanitised HTML)."""

    body: str = Field(description="Sanitised HTML.")
    canonical_url: str | None = None
    revision: int


class NextPage(_Out):
    cursor: str = Field(description="Opaque; pass it back as `cursor` for the next page.")
    url: str = Field(description="The full URL of the next page.")


class ArticlePage(_Out):
    items: list[ArticleSummary]
    next: NextPage | None = Field(description="Absent on the last page.")


class RelatedList(_Out):
    items: list[ArticleSummary]


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
    next: NextPage | None = Field(description="Absent on the last page.")


class Health(_Out):
    status: str
    version: str


class ProblemDetail(_Out):
    """An error, as RFC 9457 `application/problem+json`."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    parameter: str | None = Field(default=None, description="The request parameter at fault, for 400s.")
    location: str | None = Field(default=None, description="Where the article moved, for 301s.")
