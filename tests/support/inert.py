"""Checking that HTML is inert: only allowed tags and attributes, no handlers, styles or unsafe URLs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from newsfeed.logic.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")  # anything else before a ':' makes a relative URL


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads from an attribute value (WHATWG URL: C0 controls and spaces trimmed at
    both ends, tabs and newlines removed anywhere); None for a relative URL."""
    cleaned = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not allowed")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"] | {"rel"}
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"<{tag} {name}> is not allowed")
            if name in ("href", "src", "cite") and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in URL_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}> has an unsafe scheme")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")


def active_content(html: str) -> list[str]:
    """What in `html` could run, load or restyle anything; empty when the HTML is inert."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems
