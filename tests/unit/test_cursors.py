import pytest

from newsfeed.logic.cursors import InvalidCursor, decode_cursor, encode_cursor

POSITION = "2024-03-29T04:00:00.000Z#00000000-0000-0000-0000-000000000001"


def test_round_trip() -> None:
    assert decode_cursor(encode_cursor(POSITION)) == POSITION


@pytest.mark.parametrize("bad", ["", "x", "!!!", encode_cursor("article#secret"), "e30", "a" * 500])
def test_foreign_cursors_are_refused(bad: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(bad)
