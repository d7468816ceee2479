import re

import pytest
from pydantic import ValidationError

from newsfeed.logic.cursors import LIST_CURSOR_PATTERN, SCOPE_CURSOR_PATTERN, decode_cursor, encode_cursor
from newsfeed.models.listing import PageQuery, ScopeListQuery

POSITION = "2024-03-29T04:00:00.000Z#00000000-0000-0000-0000-000000000001"


def test_round_trip() -> None:
    cursor = encode_cursor(POSITION)
    assert re.match(LIST_CURSOR_PATTERN, cursor)
    assert "#" not in cursor
    assert decode_cursor(cursor) == POSITION
    assert re.match(SCOPE_CURSOR_PATTERN, encode_cursor("section#kazakhstan-news"))


@pytest.mark.parametrize(
    "bad", ["", "x", "!!!", "article#secret", "2024-03-29T04:00:00.000Z~not-a-uuid", "a" * 500]
)
def test_foreign_cursors_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        PageQuery.model_validate({"cursor": bad})
    with pytest.raises(ValidationError):
        ScopeListQuery.model_validate({"cursor": bad})
