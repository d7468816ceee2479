"""URL slugs: derived from titles (transliterating Cyrillic, Kazakh included) and always validated."""

from __future__ import annotations

from slugify import slugify as _slugify

from newsfeed.models import limits
from newsfeed.models.text import is_valid_slug

__all__ = ["is_valid_slug", "slugify"]

# Kazakh letters the generic transliteration gets wrong (it maps Ә to '@' and Қ to "K'"); these follow the
# 2021 Kazakh Latin alphabet with its diacritics dropped. Russian Cyrillic is handled by the library.
_KAZAKH = {
    "Ә": "A",
    "ә": "a",
    "Ғ": "G",
    "ғ": "g",
    "Қ": "Q",
    "қ": "q",
    "Ң": "N",
    "ң": "n",
    "Ө": "O",
    "ө": "o",
    "Ұ": "U",
    "ұ": "u",
    "Ү": "U",
    "ү": "u",
    "Һ": "H",
    "һ": "h",
    "І": "I",
    "і": "i",
}
_REPLACEMENTS = [[k, v] for k, v in _KAZAKH.items()]


def slugify(text: str, max_length: int = limits.MAX_SLUG_CHARS) -> str:
    """A lower-case ASCII slug for any title; '' when the text has no letters or digits at all."""
    return str(
        _slugify(text, max_length=max_length, word_boundary=True, replacements=_REPLACEMENTS, lowercase=True)
    )
