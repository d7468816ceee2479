"""The shapes of one article as the HTTP API answers it, and its errors (RFC 9457).

List shapes live in `models.listing`: the API function imports those only when a list is asked for, so they
are not among what its first GET /articles/{slug} imports (tests/integration/test_api_cold_start.py).
"""

from pydantic import BaseModel, ConfigDict

from newsfeed.models.article import Image
from newsfeed.models.text import Timestamp


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
    revision: int


ARTICLE_FIELDS = tuple(ArticleOut.model_fields)


def selected_fields(value: str) -> set[str]:
    """`fields=title,slug` as a set of ArticleOut fields; ValueError naming the unknown ones."""
    names = [name.strip() for name in value.split(",")]
    unknown = [name for name in names if name not in ARTICLE_FIELDS]
    if unknown or not value:
        raise ValueError(f"has unknown fields {unknown}; choose from {', '.join(ARTICLE_FIELDS)}")
    return set(names)


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
