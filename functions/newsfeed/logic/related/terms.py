"""The words that say what an article is about, in its language: stop words out, the rest reduced to stems.

Stems come from Snowball (`snowballstemmer`: English, Russian and 30-odd more) and stop words from the
`stop-words` package. Kazakh has neither: its words are cut to their first KAZAKH_PREFIX letters, which
strips the case and possessive endings an agglutinative language piles on ("Қазақстанның", "Қазақстанда"
-> "қазақс"), and its stop words are our list (`data/stopwords-kk.txt`). Other languages keep whole words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsfeed.models import limits

KAZAKH_PREFIX = 6
MAX_TITLE_WEIGHT = 3
TITLE_SHARE = 4  # a title word counts as one body word per TITLE_SHARE body words per title word (1 to 3)

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian",
    "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
STEMMED = frozenset({*_SNOWBALL, "kk"})  # the languages whose words are reduced (others keep whole words)


@dataclass(frozen=True)
class Analyzer:
    stop_words: frozenset[str]
    reduce: Callable[[str], str]

    def terms(self, text: str) -> list[str]:
        """The text's words, in order: lower-cased, stop words, one-letter words and runs of letters too
        long to be words out, reduced."""
        return [term for word in WORD.findall(text.lower()) if (term := self.term(word)) is not None]

    def term(self, word: str) -> str | None:
        """The term a lower-cased word counts as, or None if it does not count (a stop word, one letter, a
        run of letters too long to be a word)."""
        return self.stem(word) if word not in self.stop_words else None

    def stem(self, word: str) -> str | None:
        """The lower-cased word reduced, stop word or not; None for one letter or a run too long to be a
        word."""
        return self.reduce(word) if 1 < len(word) <= limits.MAX_WORD_CHARS else None


@cache
def analyzer(language: str) -> Analyzer:
    """The analyzer for a language tag ("en", "en-GB", "ru", "kk"); unknown languages keep whole words."""
    code = language.split("-", maxsplit=1)[0].lower()
    return Analyzer(frozenset(_stop_words(code)), _reducer(code))


def _stop_words(code: str) -> list[str]:
    if code == "kk":
        lines = (Path(__file__).parent / "data" / "stopwords-kk.txt").read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    from stop_words import StopWordError, get_stop_words

    try:
        return [word.lower() for word in get_stop_words(code)]
    except StopWordError:
        return []


def _reducer(code: str) -> Callable[[str], str]:
    if code == "kk":
        return lambda word: word[:KAZAKH_PREFIX]
    if code not in _SNOWBALL:
        return lambda word: word
    import snowballstemmer

    stem = snowballstemmer.stemmer(_SNOWBALL[code]).stemWord
    return cache(stem)  # news repeats its words: each stem is worked out once per process


def term_counts(title: str, body: str, language: str) -> dict[str, float]:
    """How often each term occurs, a title word counting as 1, 2 or 3 (MAX_TITLE_WEIGHT) body words.

    A title names the story, so a title word outweighs a body word; how much depends on the body's length:
    in a two-sentence item the title is a good share of the text already (weight 1), in a long article a
    word in the title says more than one said once in a thousand (up to 3).
    """
    words = analyzer(language)
    head, rest = words.terms(title), words.terms(body)
    weight = min(MAX_TITLE_WEIGHT, max(1, round(len(rest) / (TITLE_SHARE * max(1, len(head))))))
    counts: dict[str, float] = dict(Counter(rest))
    for term in head:
        counts[term] = counts.get(term, 0.0) + weight
    return counts
