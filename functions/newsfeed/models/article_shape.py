"""What is plain about a stored article, for readers that build no model of it (the API's article answer,
tests/integration/test_api_cold_start.py): its statuses, and the fields the API answers with."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ArticleStatus(StrEnum):
    DRAFT = "draft"  # stored, never public
    SCHEDULED = "scheduled"  # not public until its published_at; then the scheduler publishes it
    PUBLISHED = "published"


# The status of what is left at a slug its article has left (models.article's Unpublished and Moved).
UNPUBLISHED: Final = "unpublished"  # 410 Gone
MOVED: Final = "moved"  # 301 to the article's new slug

# GET /articles/{slug}, in the order it answers: models.api.ArticleOut gives their types and documentation
# and is checked against this list where it is defined.
ARTICLE_FIELDS = (
    "id",
    "slug",
    "url",
    "title",
    "subtitle",
    "summary",
    "section",
    "section_slug",
    "tags",
    "authors",
    "published_at",
    "updated_at",
    "language",
    "image",
    "body",
    "canonical_url",
    "revision",
)


def selected_fields(value: str) -> set[str]:
    """`fields=title,slug` as a set of the article's fields; ValueError naming the unknown ones."""
    names = [name.strip() for name in value.split(",")]
    unknown = [name for name in names if name not in ARTICLE_FIELDS]
    if unknown or not value:
        raise ValueError(f"has unknown fields {unknown}; choose from {', '.join(ARTICLE_FIELDS)}")
    return set(names)
