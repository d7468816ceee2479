"""Opaque page cursors: where a list page ended, as base64url JSON, validated on the way back in."""

from __future__ import annotations

import base64
import binascii
import json
import re

_SCOPE_POSITION = re.compile(r"^(section|tag)#[a-z0-9]+(-[a-z0-9]+)*$")
_LIST_POSITION = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
MAX_CURSOR_CHARS = 200


class InvalidCursor(ValueError):
    pass


def encode_cursor(position: str) -> str:
    raw = json.dumps({"v": 1, "after": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, *, scopes: bool = False) -> str:
    """The list position a cursor stands for (an article list's, or with `scopes` the feed registry's);
    InvalidCursor for anything this API did not hand out."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor("is not a cursor this API handed out")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor("is not a cursor this API handed out") from None
    position = data.get("after") if isinstance(data, dict) and data.get("v") == 1 else None
    pattern = _SCOPE_POSITION if scopes else _LIST_POSITION
    if not isinstance(position, str) or not pattern.match(position):
        raise InvalidCursor("is not a cursor this API handed out")
    return position
