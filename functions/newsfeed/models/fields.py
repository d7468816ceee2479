"""The validated field types of uploads: plain text, slugs, links, times with a zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from newsfeed.models import limits
from newsfeed.models.text import EXAMPLE_TIME, SLUG, parse_instant

# C0 controls other than tab/LF/CR, DEL, C1 controls, lone surrogates and the two non-characters XML forbids;
# also the bidirectional embeddings and overrides (U+202A-U+202E: text that displays other than it reads) and
# U+FEFF past the start of a file (an invisible byte-order mark left by joining files).
FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff\ufeff\ufffe\uffff]"
)

# Invisible characters that one line of plain text (a title, a section, a tag, a name, a caption) has no use
# for and that would make a look-alike of another: soft hyphen, Arabic letter mark, Mongolian vowel separator,
# zero-width space, left-to-right and right-to-left marks, word joiner and invisible operators, the
# bidirectional isolates, deprecated format characters and Hangul fillers. They are removed, not refused.
# Kept: zero-width (non-)joiners, which Persian, Indic scripts and emoji sequences need, variation selectors
# and tag characters (emoji presentation, subdivision flags). Pages set the text's direction themselves.
INVISIBLE_CHARS = re.compile("[\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2060-\u206f\u3164\uffa0]")
_WHITESPACE = re.compile(r"\s+")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def reject_control_chars(value: str) -> str:
    match = FORBIDDEN_CHARS.search(value)
    if match:
        raise ValueError(
            f"contains the invisible control character U+{ord(match.group()):04X} at position {match.start()}"
        )
    return value


def _plain_line(value: str) -> str:
    """One line of plain text: NFC, no control characters, no invisible ones, whitespace folded to a space."""
    value = INVISIBLE_CHARS.sub("", reject_control_chars(unicodedata.normalize("NFC", value)))
    return _WHITESPACE.sub(" ", value).strip()


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError(
            "must be lower-case ASCII letters and digits separated by single hyphens (for example "
            "'kazakh-leader-explains-crisis')"
        )
    return value


def _http_url(value: str) -> str:
    value = reject_control_chars(value).strip()
    if not _HTTP_URL.match(value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _link(value: str) -> str:
    """An absolute http(s) URL, or a path on the site starting with a single '/'."""
    value = reject_control_chars(value).strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and " " not in value:
        return value
    return _http_url(value)


def _image_ref(value: str) -> str:
    """A link (as `_link`), or the path of a photo sent with the article, relative to its file
    (`ferry.jpg`, `photos/harbour.jpg`): within the article's folder, named as a photo."""
    value = reject_control_chars(value).strip()
    if value.startswith("/") or "://" in value or value.lower().startswith(("http:", "https:")):
        return _link(value)
    parts = value.split("/")
    if "\\" in value or any(part in ("", ".", "..") for part in parts):
        raise ValueError("must be a photo's path beside the article (ferry.jpg, photos/ferry.jpg), or a URL")
    if not value.lower().endswith(limits.PHOTO_SUFFIXES):
        raise ValueError(f"names no photo: a photo's name ends in one of {', '.join(limits.PHOTO_SUFFIXES)}")
    return value


def is_photo_ref(value: str) -> bool:
    """Whether an image reference names a photo sent with the article (not a URL)."""
    return not value.startswith("/") and "://" not in value


def _instant(value: Any) -> datetime:
    """Text only, read by the one date parser: YAML front matter keeps timestamps as text for it, and a
    number (seconds since 1970?) or a date object would each be a guess."""
    if not isinstance(value, str):
        raise ValueError(f"must be a time with a time zone, written as text, for example {EXAMPLE_TIME}")
    return parse_instant(value)


def _max_chars(n: int) -> Any:
    def check(value: str) -> str:
        if len(value) > n:
            raise ValueError(f"is {len(value)} characters long; the limit is {n}")
        return value

    return check


def _text(max_chars: int, *, required: bool = False) -> tuple[Any, ...]:
    checks = [AfterValidator(_plain_line)]
    if required:
        checks.append(AfterValidator(_non_empty))
    return (*checks, AfterValidator(_max_chars(max_chars)))


Title = Annotated[str, *_text(limits.MAX_TITLE_CHARS, required=True)]
Subtitle = Annotated[str, *_text(limits.MAX_SUBTITLE_CHARS)]
Summary = Annotated[str, *_text(limits.MAX_SUMMARY_CHARS)]
SectionName = Annotated[str, *_text(limits.MAX_SECTION_CHARS, required=True)]
TagName = Annotated[str, *_text(limits.MAX_TAG_CHARS, required=True)]
AuthorName = Annotated[str, *_text(limits.MAX_AUTHOR_CHARS, required=True)]
ImageText = Annotated[str, *_text(limits.MAX_IMAGE_TEXT_CHARS)]


Slug = Annotated[str, Field(max_length=limits.MAX_SLUG_CHARS), AfterValidator(_slug)]
HttpUrl = Annotated[str, Field(max_length=limits.MAX_URL_CHARS), AfterValidator(_http_url)]
Link = Annotated[str, Field(max_length=limits.MAX_URL_CHARS), AfterValidator(_link)]
ImageRef = Annotated[str, Field(max_length=limits.MAX_URL_CHARS), AfterValidator(_image_ref)]
UtcDatetime = Annotated[datetime, BeforeValidator(_instant)]
