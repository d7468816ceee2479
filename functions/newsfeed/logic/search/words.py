"""The words of search: an article's terms as the index holds them, and the forms a query word is looked up
under.

Words are split and stemmed exactly as for related lists (`logic.related.terms`: Snowball for English,
Russian and 30-odd more, Kazakh cut to its first letters), in the article's language; then case and
diacritics are folded ("Café" and "cafe", "ё" and "е" are one term). Folding comes after stemming, because
Snowball expects the letters as written.

Every word is indexed, stop words too: the related lists' stop words (the `stop-words` package's, 1,333 in
English) include "microsoft", "computer", "million" and "help", which a reader must be able to find. Search
uses the same list on the query instead: a stop word there is optional (it ranks an article that has it, it
never excludes one without it), unless the query has no other word, as in "The Who".

A query has no language of its own: each word is looked up in each of the archive's most used languages
(`limits.SEARCH_LANGUAGES`), so "elections" finds an English article by "election" and "выборах" a Russian
one by "выборы".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from newsfeed.logic.html import to_plain_text
from newsfeed.logic.related.terms import WORD, analyzer
from newsfeed.models.article import Article

# A word of the title counts as this many of the body. More ranks headlines better and the body's words worse
# in one field (`make eval-search`: 3 gave title queries MRR 0.925 but body ones 0.965, under FTS5's 0.970);
# weighing the title as a field of its own (BM25F) would give both.
TITLE_WEIGHT = 1


@cache
def fold(term: str) -> str:
    """The term without case or diacritics (compatibility forms too: "ﬁ" is "fi")."""
    bare = term
    for _ in range(2):  # a compatibility form may decompose to a capital ("ᴬ" is "A"): fold what that gives
        decomposed = unicodedata.normalize("NFKD", bare.casefold())
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def article_text(article: Article) -> tuple[str, str]:
    """What an article is found by: its title, and the rest of its words (standfirst, body, tags)."""
    return article.title, " ".join([article.subtitle, to_plain_text(article.body), *article.tags])


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
        term = words.stem(match.group().lower())
        yield Spot(match.start(), match.end(), fold(term) if term is not None else None)


def _comparable(text: str) -> str:
    """Lower case, composed: a capital that has no composed form with its accent ("Η͂") has one in lower
    case ("ῆ"), and words split at a loose accent."""
    return unicodedata.normalize("NFC", text.lower())


def text_terms(text: str, language: str) -> list[str]:
    """The terms of `text` in order (what it is indexed under, and what a phrase is matched against)."""
    words = analyzer(language)
    return [fold(term) for word in WORD.findall(_comparable(text)) if (term := words.stem(word)) is not None]


def document_terms(article: Article) -> dict[str, float]:
    """The article's terms and how often each occurs, a title word counting TITLE_WEIGHT times."""
    title, rest = (text_terms(text, article.language) for text in article_text(article))
    counts: dict[str, float] = {}
    for term in rest:
        counts[term] = counts.get(term, 0.0) + 1
    for term in title:
        counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT
    return counts


@dataclass(frozen=True)
class QueryWord:
    """A word of a query, the terms it may be indexed under (one per language, often the same), and whether
    it is a common word (a stop word in one of those languages)."""

    word: str
    forms: frozenset[str]
    common: bool = False


def query_word(word: str, languages: Sequence[str]) -> QueryWord | None:
    """The word's forms in `languages`; None if it is not a word (one letter, or too long to be one)."""
    forms: set[str] = set()
    common = False
    for language in languages:
        words = analyzer(language)
        term = words.stem(word.lower())
        if term is None:
            return None
        forms.add(fold(term))
        common = common or word.lower() in words.stop_words
    return QueryWord(word, frozenset(forms), common)


def words_of(text: str) -> list[str]:
    """The words in a piece of a query, as written (lower-cased)."""
    return WORD.findall(_comparable(text))


def has_phrase(terms: Sequence[str], phrase: Sequence[QueryWord]) -> bool:
    """Whether `phrase` occurs in `terms` word after word."""
    span = len(phrase)
    return any(
        all(terms[start + n] in word.forms for n, word in enumerate(phrase))
        for start in range(len(terms) - span + 1)
    )


def all_forms(words: Iterable[QueryWord]) -> set[str]:
    return {form for word in words for form in word.forms}
