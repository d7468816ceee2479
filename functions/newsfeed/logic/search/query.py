"""A search query as written: words, "exact phrases" and -words, and nothing else that can fail.

Any text parses: a quote (" or “ ” „ « ») opens a phrase and the next one closes it (an unclosed phrase
runs to the end), a word written with a leading `-` outside a phrase is left out of the results, and
everything that is not a letter separates words. Only the first `limits.MAX_QUERY_WORDS` words count; the
rest are said to be ignored. Common words are optional (`words`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsfeed.logic.search.words import QueryWord, query_word, words_of
from newsfeed.models import limits


@dataclass(frozen=True)
class Written:
    """The query's parts as written, each word lower-cased."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()


# Quotation marks as typed in the languages we publish in (and by phones' "smart" keyboards) are quotes too.
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»", '"'))


def parse(text: str) -> Written:
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for n, part in enumerate(text.translate(_QUOTES).split('"')):
        if n % 2:  # inside quotes
            if phrase := words_of(part):
                phrases.append(tuple(phrase))
            continue
        for token in part.split():
            (excluded if token.startswith("-") else words).extend(words_of(token))
    return Written(tuple(words), tuple(phrases), tuple(excluded))


@dataclass(frozen=True)
class Query:
    """What is searched for: words every result has (a phrase's words too), common words that rank a result
    that has them, phrases a result has word after word, words it has not; and the words left out."""

    required: tuple[QueryWord, ...] = ()
    optional: tuple[QueryWord, ...] = ()
    phrases: tuple[tuple[QueryWord, ...], ...] = ()
    excluded: tuple[QueryWord, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    @property
    def searched(self) -> tuple[QueryWord, ...]:
        """Every word that ranks a result."""
        return self.required + self.optional


def understood(written: Written, languages: Sequence[str]) -> Query:
    """The query in the archive's languages: words past the limit (and what is not a word) left out; common
    words optional unless the query has nothing else."""
    budget = limits.MAX_QUERY_WORDS
    ignored: list[str] = []

    def take(words: Sequence[str]) -> list[QueryWord]:
        nonlocal budget
        kept: list[QueryWord] = []
        for word in words:
            found = query_word(word, languages) if budget > 0 else None
            if found is None:
                ignored.append(word)
                continue
            budget -= 1
            kept.append(found)
        return kept

    words = take(written.words)
    phrases = [tuple(kept) for phrase in written.phrases if (kept := take(phrase))]
    excluded = take(written.excluded)
    in_phrases = [word for phrase in phrases for word in phrase]
    rare = [word for word in words if not word.common]
    required = _once([*(rare if rare or in_phrases else words), *in_phrases])
    optional = [w for w in _once(words) if w.forms not in {r.forms for r in required}]
    return Query(
        tuple(required), tuple(optional), tuple(phrases), tuple(excluded), tuple(dict.fromkeys(ignored))
    )


def _once(words: Sequence[QueryWord]) -> list[QueryWord]:
    """Each word once (a word written twice, or in two forms of one term, counts once)."""
    return list({word.forms: word for word in words}.values())
