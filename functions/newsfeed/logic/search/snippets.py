"""A result's snippet: the stretch of the article's text with the most of the words it was found by, as
plain text, and where those words are in it (offsets in code points, so that a page or an app marks them
without parsing anything)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newsfeed.logic.html import summarize, to_plain_text
from newsfeed.logic.search.words import Spot, spots
from newsfeed.models import limits
from newsfeed.models.article import Article

LEAD = 4  # words shown before the first match in the stretch
MAX_MATCHES = 1_000  # matches looked at in a long article (the stretch is among the first ones)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[tuple[int, int], ...]


def best_start(words: Sequence[Spot], hits: Sequence[int]) -> int:
    """The first word of the SNIPPET_WORDS-word stretch with the most different matched terms (then the
    most matches, then the earliest): one pass, the stretch's end moving on as its first match does."""
    span = limits.SNIPPET_WORDS - LEAD
    inside: Counter[str | None] = Counter()
    best, best_key, end = 0, (-1, -1), 0
    for n, first in enumerate(hits):
        while end < len(hits) and hits[end] < first + span:
            inside[words[hits[end]].term] += 1
            end += 1
        key = (len(inside), end - n)
        if key > best_key:
            best, best_key = max(0, first - LEAD), key
        inside[words[first].term] -= 1
        if not inside[words[first].term]:
            del inside[words[first].term]
    return best


def _cut(text: str, forms: set[str], language: str) -> Snippet | None:
    words = list(spots(text, language))
    hits = [n for n, word in enumerate(words) if word.term in forms][:MAX_MATCHES]
    if not hits:
        return None
    start = best_start(words, hits)
    end = min(len(words), start + limits.SNIPPET_WORDS)
    begin, finish = words[start].start, words[end - 1].end
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(words) else ""
    shift = len(head) - begin
    marks = tuple((words[n].start + shift, words[n].end + shift) for n in hits if start <= n < end)
    return Snippet(f"{head}{text[begin:finish]}{tail}", marks)


def snippet(article: Article, forms: set[str]) -> Snippet:
    """Around the matched words in the body, else in the standfirst (each a text of its own: joined, the
    standfirst's last words ran into the body's first), else the summary, marked where it has them."""
    for text in (to_plain_text(article.body), article.subtitle, article.summary):
        found = _cut(text, forms, article.language)
        if found is not None:
            return found
    return Snippet(summarize(article.summary, limits.DERIVED_SUMMARY_CHARS), ())


def marked_runs(cut: Snippet) -> list[tuple[str, bool]]:
    """The snippet as runs of text, each marked (a matched word) or not: what a page puts in <mark>."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in cut.highlights:
        if start > at:
            runs.append((cut.text[at:start], False))
        runs.append((cut.text[start:end], True))
        at = end
    if at < len(cut.text):
        runs.append((cut.text[at:], False))
    return runs
