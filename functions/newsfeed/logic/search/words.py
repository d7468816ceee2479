"""The words of search: an article's terms as the index holds them, and the forms a query word is looked up
under.

Words are split, stop words dropped and the rest stemmed exactly as for related lists
(`logic.related.terms`: Snowball for English, Russian and 30-odd more, Kazakh cut to its first letters), in
the article's language; then case and diacritics are folded ("Café" and "cafe", "ё" and "е" are one term).
Folding comes after stemming, because Snowball expects the letters as written.

A query has no language of its own: each word is looked up in each of the archive's most used languages
(`limits.SEARCH_LANGUAGES`), so "elections" finds an English article by "election" and "выборах" a Russian
one by "выборы", and a word that is a stop word in any of them is left out, as the articles left it out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from newsfeed.logic.html import to_plain_text
from newsfeed.logic.related.terms import WORD, analyzer, term_counts
from newsfeed.models.article import Article


@cache
def fold(term: str) -> str:
    """The term without case or diacritics (compatibility forms too: "ﬁ" is "fi")."""
    decomposed = unicodedata.normalize("NFKD", term.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def article_text(article: Article) -> tuple[str, str]:
    """What an article is found by: its title, and the rest of its words (standfirst, body, tags)."""
    return article.title, " ".join([article.subtitle, to_plain_text(article.body), *article.tags])


def document_terms(article: Article) -> dict[str, float]:
    """The article's terms and how often each occurs, a title word counting as 1 to 3 body words."""
    counts: dict[str, float] = {}
    for term, count in term_counts(*article_text(article), article.language).items():
        folded = fold(term)
        counts[folded] = counts.get(folded, 0.0) + count
    return counts


@dataclass(frozen=True)
class Spot:
    """A word of a text: where it is, and the term it counts as (None: it does not count)."""

    start: int
    end: int
    term: str | None


def spots(text: str, language: str) -> Iterator[Spot]:
    """Each word of `text`, with its place and its term in `language`."""
    words = analyzer(language)
    for match in WORD.finditer(text):
        term = words.term(match.group().lower())
        yield Spot(match.start(), match.end(), fold(term) if term is not None else None)


def text_terms(text: str, language: str) -> list[str]:
    """The terms of `text` in order (what a phrase is matched against)."""
    return [spot.term for spot in spots(text, language) if spot.term is not None]


@dataclass(frozen=True)
class QueryWord:
    """A word of a query, and the terms it may be indexed under (one per language, often the same)."""

    word: str
    forms: frozenset[str]


def query_word(word: str, languages: Sequence[str]) -> QueryWord | None:
    """The word's forms in `languages`; None if it is a stop word (or not a word) in any of them."""
    forms: set[str] = set()
    for language in languages:
        term = analyzer(language).term(word.lower())
        if term is None:
            return None
        forms.add(fold(term))
    return QueryWord(word, frozenset(forms))


def words_of(text: str) -> list[str]:
    """The words in a piece of a query, as written (lower-cased)."""
    return [word.lower() for word in WORD.findall(text)]


def has_phrase(terms: Sequence[str], phrase: Sequence[QueryWord]) -> bool:
    """Whether `phrase` occurs in `terms` word after word (stop words do not count on either side)."""
    span = len(phrase)
    return any(
        all(terms[start + n] in word.forms for n, word in enumerate(phrase))
        for start in range(len(terms) - span + 1)
    )


def all_forms(words: Iterable[QueryWord]) -> set[str]:
    return {form for word in words for form in word.forms}
