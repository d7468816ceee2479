"""Whether a new version of an upload is the same story as the article its file name holds.

An upload's key (`inbox/<file name>`) ties it to its article: uploading the key again is a correction. But
two editors, or one editor with two folders, can give two different stories the same file name; the second
must not silently replace the first. A new version is taken as the same story when it names the article's
slug in its `slug:` field, keeps its title, or keeps at least half of its body's pairs of consecutive words
(measured against the shorter of the two bodies): a correction keeps most of the words, another story shares
few. Anything else is refused with a report that says how to do either.
"""

from __future__ import annotations

import re

from newsfeed.logic.html import to_plain_text
from newsfeed.logic.parsing import ParsedUpload
from newsfeed.models.article import Article
from newsfeed.models.upload import Problem

SHARED_WORD_PAIRS = 0.5  # of the shorter version's pairs, for a new version to be the same story
_WORD = re.compile(r"\w+")


def _word_pairs(body_html: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(to_plain_text(body_html).casefold())
    return {tuple(words[i : i + 2]) for i in range(max(1, len(words) - 1))} if words else set()


def same_story(stored: Article, parsed: ParsedUpload) -> bool:
    if parsed.fields.slug == stored.slug or parsed.fields.title.casefold() == stored.title.casefold():
        return True
    before, after = _word_pairs(stored.body), _word_pairs(parsed.body_html)
    shorter = min(len(before), len(after))
    return shorter > 0 and len(before & after) >= SHARED_WORD_PAIRS * shorter


def another_story(key: str, stored: Article) -> Problem:
    name = key.rpartition("/")[2]
    return Problem(
        field="file",
        message=(
            f"{key} already holds another article, '{stored.title}' (slug '{stored.slug}'), and this file "
            "keeps neither its title nor its slug nor most of its words. To publish it as a new article, "
            f"upload it under another file name than '{name}'; to replace that article with it, add "
            f"`slug: {stored.slug}` to this file"
        ),
    )
