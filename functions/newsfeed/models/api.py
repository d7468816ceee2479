"""The shapes of one article as the HTTP API answers it, and its errors (RFC 9457), as the OpenAPI document
describes them. (GET /articles/{slug} is answered from the stored values, `api.article`.)"""

from pydantic import BaseModel, ConfigDict

from newsfeed.models.article import Article, EditorialFields, Image, Timestamp
from newsfeed.models.article_shape import ANSWER_ORDER, NOT_SERVED


class ArticleSummary(EditorialFields):
    """An article in a list: everything but the body."""

    model_config = ConfigDict(frozen=True, defer_build=True, use_attribute_docstrings=True)

    id: str
    """Immutable id, assigned at first publication; the feeds' item id."""
    slug: str
    url: str
    """The article's page on the publication's website."""
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
    body_images: list[Image] = []
    """The photos sent with the article that the body shows, in its order: each `url` is the `src` of an
    `<img>` in `body` (the photo's widest JPEG; the `<img>` has its alt text), with its size and
    renditions, so an app can pick its own."""
    revision: int


# What the answer holds, in its order: the stored article's fields but those never served, and its URL.
SERVED = tuple(ANSWER_ORDER) + tuple(sorted(set(ArticleOut.model_fields) - set(ANSWER_ORDER)))
if set(ArticleOut.model_fields) != set(Article.model_fields) - NOT_SERVED | {"url"}:
    raise TypeError(
        "ArticleOut's fields must be the article's, less models.article_shape.NOT_SERVED, and url"
    )


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
