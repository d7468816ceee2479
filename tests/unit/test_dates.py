"""The one date parser: every date newsfeed accepts (uploads, API filters) is read by `parse_instant`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.models import limits
from newsfeed.models.text import format_utc, parse_instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-29T10:00:00+05:00", "2024-03-29T05:00:00.000Z"),
        ("2024-03-29t10:00:00z", "2024-03-29T10:00:00.000Z"),
        ("2024-03-29 10:00:00.123456 -0130", "2024-03-29T11:30:00.123Z"),
        ("2024-03-29T10:00+05", "2024-03-29T05:00:00.000Z"),
        ("1800-01-01T00:00:00Z", "1800-01-01T00:00:00.000Z"),
        ("2999-12-31T23:59:59.999Z", "2999-12-31T23:59:59.999Z"),
        ("2999-12-31T23:00:00-05:00", "3000-01-01T04:00:00.000Z"),  # the year as written is what counts
        ("1800-01-01T01:00:00+05:00", "1799-12-31T20:00:00.000Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"),
    ],
)
def test_times_with_a_zone_are_read_as_utc_to_the_millisecond(text: str, expected: str) -> None:
    assert format_utc(parse_instant(text)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2024-02-30T10:00:00+05:00", "not a day of the calendar"),
        ("2023-02-29T10:00:00Z", "not a day of the calendar"),
        ("2024-13-01T10:00:00Z", "not a day of the calendar"),
        ("2024-01-01T23:59:60Z", "leap second"),
        ("2024-01-01T24:00:00Z", "not a time of day"),
        ("2024-01-01T10:00:00+24:00", "time zone offset"),
        ("0001-01-01T00:00:00+05:00", "outside"),
        ("9999-12-31T23:59:59-05:00", "outside"),
        ("1799-12-31T23:59:59Z", "outside"),
        ("3000-01-01T00:00:00Z", "outside"),
        ("2024-03-29T10:00:00", "time zone"),
        ("2024-03-29", "needs a time and a time zone"),
        ("29/03/2024 10:00", "must be a time with a time zone"),
        ("1711706400", "must be a time with a time zone"),
        ("", "must be a time with a time zone"),
    ],
)
def test_impossible_unzoned_or_out_of_range_times_are_refused_saying_why(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_instant(text)


def test_a_day_is_its_first_or_last_millisecond_where_a_day_may_be_given() -> None:
    assert format_utc(parse_instant("2024-03-29", day="start")) == "2024-03-29T00:00:00.000Z"
    assert format_utc(parse_instant("2024-03-29", day="end")) == "2024-03-29T23:59:59.999Z"
    with pytest.raises(ValueError, match="outside"):
        parse_instant("9999-12-31", day="end")
    with pytest.raises(ValueError, match="calendar"):
        parse_instant("2024-02-30", day="start")


OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(timezones=st.just(UTC)), zone=OFFSETS)
def test_any_written_time_is_read_back_as_its_instant_or_refused_as_out_of_range(
    moment: datetime, zone: timezone
) -> None:
    try:
        written = moment.astimezone(zone)
    except OverflowError:  # not writable in that zone at all (year 0 or 10000 there)
        return
    text = written.isoformat()
    if limits.EARLIEST_YEAR <= written.year <= limits.LATEST_YEAR:
        assert parse_instant(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    else:
        with pytest.raises(ValueError, match="outside"):
            parse_instant(text)


@settings(max_examples=500, deadline=None)
@given(
    st.text(max_size=40)
    | st.from_regex(r"\A\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?\Z")
)
def test_any_text_is_an_instant_in_range_or_a_value_error(text: str) -> None:
    try:
        instant = parse_instant(text, day="start")
    except ValueError as error:
        reason = str(error)
    else:
        assert instant.tzinfo is UTC
        return
    assert reason  # a refusal always says what to write instead


def test_the_openapi_pattern_for_from_and_to_admits_exactly_the_accepted_years() -> None:
    import re

    from newsfeed.models.listing import _BOUND_SCHEMA

    pattern = re.compile(str(_BOUND_SCHEMA["pattern"]))
    admitted = [year for year in range(10_000) if pattern.match(f"{year:04d}-01-01")]
    assert admitted == list(range(limits.EARLIEST_YEAR, limits.LATEST_YEAR + 1))
