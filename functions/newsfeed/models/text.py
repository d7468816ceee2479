"""Values shared by stored articles and API shapes: sort-friendly UTC timestamps, slugs, forbidden characters.

Kept small on purpose: the API function imports it at cold start. The validated field types of uploads
are in `models.fields`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer

from newsfeed.models import limits

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)


def is_valid_slug(value: str) -> bool:
    return len(value) <= limits.MAX_SLUG_CHARS and bool(SLUG.fullmatch(value))


def to_utc(value: datetime) -> datetime:
    """An aware time in UTC, to the millisecond (what is stored and served); naive times are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone, for example 2024-03-29T10:00:00+05:00 or ...Z for UTC")
    return value.astimezone(UTC).replace(microsecond=(value.microsecond // 1000) * 1000)


def format_utc(value: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a 'Z': sortable as a string, stable as bytes."""
    utc = value.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
        f"{utc.microsecond // 1000:03d}Z"
    )


# A stored or served instant: any aware datetime in, always `2024-03-29T04:00:00.000Z` out.
Timestamp = Annotated[
    datetime, AfterValidator(to_utc), PlainSerializer(format_utc, return_type=str, when_used="json")
]
