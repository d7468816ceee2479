"""Values shared by stored articles and API shapes: sort-friendly UTC timestamps, slugs, the one date parser.

Plain Python (no pydantic): the API's article answer uses it (tests/integration/test_api_cold_start.py).
The validated field types of uploads are in `models.fields`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from newsfeed.models import limits

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)


def is_valid_slug(value: str) -> bool:
    return len(value) <= limits.MAX_SLUG_CHARS and bool(SLUG.fullmatch(value))


# RFC 3339 (also with a space or a lower-case 't' between date and time, and ±HHMM or ±HH offsets), or a day.
_INSTANT = re.compile(
    r"(\d{1,9})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?)?",
    re.ASCII,
)
DATE_RANGE = f"{limits.EARLIEST_YEAR}-01-01 to {limits.LATEST_YEAR}-12-31, as written"
EXAMPLE_TIME = "2024-03-29T10:00:00+05:00"


def parse_instant(text: str, *, day: str | None = None) -> datetime:
    """The one reader of dates: an RFC 3339 time with a zone as an aware UTC datetime to the millisecond.

    A bare day (2024-03-29) is refused, unless `day` is "start" or "end": then it means the first or last
    millisecond of that UTC day. Impossible dates (2024-02-30), leap seconds, offsets beyond ±23:59 and
    years outside EARLIEST_YEAR..LATEST_YEAR (as written: an offset may carry the instant just past them) are
    refused, each with a ValueError whose message says what to write instead.
    """
    match = _INSTANT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"must be a time with a time zone, for example {EXAMPLE_TIME}")
    year, month, dom, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if hour is None and day is None:
        raise ValueError(f"needs a time and a time zone, for example {EXAMPLE_TIME}")
    if hour is not None and not zulu and not sign:
        raise ValueError(f"needs a time zone, for example {EXAMPLE_TIME} or ...Z for UTC")
    if not limits.EARLIEST_YEAR <= int(year) <= limits.LATEST_YEAR:
        raise ValueError(f"is outside the dates newsfeed accepts ({DATE_RANGE})")
    try:
        calendar_day = date(int(year), int(month), int(dom))
    except ValueError:
        raise ValueError(f"is not a day of the calendar ({year}-{month}-{dom})") from None
    if hour is None:
        start = datetime.combine(calendar_day, time(), UTC)
        instant = start + timedelta(days=1, milliseconds=-1) if day == "end" else start
    else:
        if int(second or 0) == 60:
            raise ValueError("has second 60 (a leap second); write :59")
        if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
            raise ValueError(f"is not a time of day ({hour}:{minute}:{second or '00'})")
        if int(off_h or 0) > 23 or int(off_m or 0) > 59:
            raise ValueError(f"has an impossible time zone offset ({sign}{off_h}:{off_m or '00'})")
        millis = int((fraction or "0")[:3].ljust(3, "0"))
        local = datetime.combine(calendar_day, time(int(hour), int(minute), int(second or 0), millis * 1000))
        offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0)) * (-1 if sign == "-" else 1)
        instant = (local - offset).replace(tzinfo=UTC)
    return instant


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
