"""What is plain about a stored article, for readers that build no model of it (the API's article answer,
tests/integration/test_api_cold_start.py): its statuses, and the fields the API answers with."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Final


class ArticleStatus(StrEnum):
    DRAFT = "draft"  # stored, never public
    SCHEDULED = "scheduled"  # not public until its published_at; then the scheduler publishes it
    PUBLISHED = "published"


# The status of what is left at a slug its article has left (models.article's Unpublished and Moved).
UNPUBLISHED: Final = "unpublished"  # 410 Gone
MOVED: Final = "moved"  # 301 to the article's new slug

# GET /articles/{slug} answers with every field of the stored article but these (models.api.ArticleOut, which
# documents the answer, is checked against it where it is defined).
NOT_SERVED = frozenset(
    {
        "status",
        "content_hash",
        "source_key",
        "related",
        "related_slugs",
        "show_in_related",
        "federate",
        "tag_slugs",
        "author_slugs",
    }
)
# The order the answer gives its fields in; a field added to the article since follows them, by name.
ANSWER_ORDER = (
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
    "body_images",
    "canonical_url",
    "revision",
)


def answered(stored: Iterable[str]) -> list[str]:
    """The names an answer gives for a stored article with these attributes, in the answer's order."""
    return [*ANSWER_ORDER, *sorted(set(stored) - NOT_SERVED - set(ANSWER_ORDER))]


def selected_fields(value: str, known: Sequence[str]) -> set[str]:
    """`fields=title,slug` as a set of the `known` fields; ValueError naming the unknown ones."""
    names = [name.strip() for name in value.split(",")]
    unknown = [name for name in names if name not in known]
    if unknown or not value:
        raise ValueError(f"has unknown fields {unknown}; choose from {', '.join(known)}")
    return set(names)
