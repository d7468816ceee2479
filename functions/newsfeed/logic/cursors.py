"""Page cursors: where a list page ended. Opaque to clients by contract, strictly shaped on the way back in.

A cursor is a list position with its separator made URL-friendly; any string of that shape is a position
(DynamoDB continues after it whether or not an item sits exactly there), so a well-formed cursor never
fails, and anything else is refused by the query models' patterns with a 400 naming `cursor`.
"""

from __future__ import annotations

from newsfeed.models.listing import LIST_CURSOR_PATTERN, SCOPE_CURSOR_PATTERN

__all__ = ["LIST_CURSOR_PATTERN", "SCOPE_CURSOR_PATTERN", "decode_cursor", "encode_cursor"]


def encode_cursor(position: str) -> str:
    return position.replace("#", "~")


def decode_cursor(cursor: str) -> str:
    """The list position of a cursor that matched one of the patterns above."""
    return cursor.replace("~", "#")
