"""The shapes of one article as the HTTP API answers it, and its errors (RFC 9457), as the OpenAPI document
describes them. (GET /articles/{slug} is answered from the stored values, `api.article`.)"""

from pydantic import BaseModel, ConfigDict

from newsfeed.models.article import Image, Timestamp
from newsfeed.models.article_shape import ARTICLE_FIELDS


class ArticleSummary(BaseModel):
    """An article in a list: everything but the body."""

    model_config = ConfigDict(frozen=True, defer_build=True, use_attribute_docstrings=True)

    id: str
    """Immutable id, assigned at first publication; the feeds' item id."""
    slug: str
    url: str
    """The article's page on the publication's website."""
    title: str
    subtitle: str
    """The standfirst."""
    summary: str
    """Plain text."""
    section: str
    section_slug: str
    tags: list[str]
    authors: list[str]
    published_at: Timestamp
    updated_at: Timestamp
    language: str
    image: Image | None = None


class ArticleOut(ArticleSummary):
    """One article, body included (sanitised HTML)."""

    body: str
    """Sanitised HTML."""
    canonical_url: str | None = None
    """Where the article first appeared, if elsewhere (its page names it canonical); `url` is our page."""
    revision: int


if tuple(ArticleOut.model_fields) != ARTICLE_FIELDS:
    raise TypeError("ArticleOut's fields must be models.article_shape.ARTICLE_FIELDS, in that order")


class ProblemDetail(BaseModel):
    """An error, as RFC 9457 `application/problem+json`."""

    model_config = ConfigDict(frozen=True, defer_build=True, use_attribute_docstrings=True)

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    parameter: str | None = None
    """The request parameter at fault, for 400s."""
    location: str | None = None
    """Where the article moved, for 301s."""
