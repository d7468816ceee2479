"""Article HTML: Markdown rendering, sanitising with nh3, plain text, summaries and absolute links."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# What an article body may contain. No scripts, styles, forms, frames or event handlers; links and images
# only over http(s) (and mailto/tel for links). No `cite` attributes: nh3 does not check their schemes, and
# readers never see them. nh3 removes <script> and <style> together with their content.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "time": {"datetime"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "abbr": {"title"},
    "*": {"lang", "dir"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_WHITESPACE = re.compile(r"\s+")
_BLOCK_START = re.compile(
    r"<(/?(?:p|div|br|hr|li|ul|ol|dl|dd|dt|h[1-6]|blockquote|pre|table|tr|td|th|figure|figcaption|details|summary)\b)",
    re.IGNORECASE,
)


@cache
def _markdown() -> MarkdownIt:
    # Imported on first use: only the ingest renders Markdown; the API function should not pay for it.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """CommonMark (plus tables and strikethrough) to HTML; the result still has to be sanitised."""
    html: str = _markdown().render(text)
    return html


def sanitize(fragment: str) -> str:
    """The HTML an article body may hold. Sanitising its own output changes nothing (a fixed point)."""
    return _clean(fragment)


def _clean(fragment: str, **options: Any) -> str:
    """nh3 with the article body's allow-lists (and any further `options`)."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
        **options,
    ).strip()


def to_plain_text(fragment: str) -> str:
    """The text of an HTML fragment, entities decoded and whitespace folded to single spaces."""
    text = nh3.clean(_BLOCK_START.sub(r" <\1", fragment), tags=set(), strip_comments=True)
    return _WHITESPACE.sub(" ", html.unescape(text)).strip()


def summarize(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary to at most `max_chars` characters, with an ellipsis if cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def absolutize_links(fragment: str, base_url: str) -> str:
    """Rewrite relative href/src/cite URLs against `base_url`, so the HTML reads the same anywhere."""

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            absolute = urljoin(base_url, value)
            return absolute if urlsplit(absolute).scheme in URL_SCHEMES else None
        return value

    return _clean(fragment, attribute_filter=rewrite)
