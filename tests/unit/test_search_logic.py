"""Search's pure parts, over generated input: any text is a query, a query is bounded, a snippet marks
exactly the words it was found by, forms fold case and accents, and the in-memory index ranks as described."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.logic.related.terms import STEMMED, analyzer
from newsfeed.logic.search.finder import search
from newsfeed.logic.search.indexing import apply
from newsfeed.logic.search.query import parse, understood
from newsfeed.logic.search.ranking import Filters
from newsfeed.logic.search.snippets import LEAD, best_start, snippet
from newsfeed.logic.search.words import Spot, fold, query_word, spots, text_terms
from newsfeed.models import limits
from newsfeed.models.article import Article
from tests.support.factories import article
from tests.support.memory import MemoryArticles, MemorySearchIndex

LANGUAGES = ["en", "ru", "kk"]


@given(st.text(max_size=limits.MAX_QUERY_CHARS))
def test_any_text_is_a_query_of_at_most_the_word_limit(text: str) -> None:
    query = understood(parse(text), LANGUAGES)
    every = [*query.searched, *(w for p in query.phrases for w in p), *query.excluded]
    assert len({w.word for w in every}) <= limits.MAX_QUERY_WORDS
    assert all(word.forms for word in every)


def test_what_the_query_language_says() -> None:
    written = parse('Ferry -storm "Caspian  Sea" the "unclosed phrase')
    assert written.words == ("ferry", "the")
    assert written.excluded == ("storm",)
    assert written.phrases == (("caspian", "sea"), ("unclosed", "phrase"))
    query = understood(written, ["en"])
    assert [w.word for w in query.optional] == ["the"]  # a common word ranks only
    assert {w.word for w in query.required} == {"ferry", "caspian", "sea", "unclosed", "phrase"}
    assert [w.word for w in understood(parse("the who"), ["en"]).required] == ["the", "who"]
    assert parse("«выборы в маслихаты» “Caspian Sea”").phrases == (
        ("выборы", "в", "маслихаты"),
        ("caspian", "sea"),
    )


@given(st.text(alphabet=st.characters(categories=("L", "M")), min_size=2, max_size=20))
def test_case_and_accents_fold_to_one_form(word: str) -> None:
    assert fold(fold(word)) == fold(word)
    assert fold(word.lower()) == fold(word.casefold())


def test_folding_examples() -> None:
    assert fold("Café") == fold("CAFE") == "cafe"
    assert fold("Ёлка") == fold("елка")
    assert fold("ﬁnance") == "finance"
    assert fold("Қазақ") == "қазақ"  # Kazakh's own letters are letters, not accents


def test_a_word_is_found_in_its_other_forms_in_each_language() -> None:
    def forms(word: str, language: str) -> frozenset[str]:
        found = query_word(word, [language])
        assert found is not None
        return found.forms

    assert forms("Elections", "en") == forms("election", "en")
    assert forms("выборах", "ru") == forms("выборы", "ru")
    assert forms("Қазақстанның", "kk") == forms("қазақстанда", "kk")
    assert forms("café", "fr") == forms("CAFE", "fr")


@settings(max_examples=200)
@given(
    words=st.lists(
        st.sampled_from(["storm", "Ferry", "ferries", "the", "sea", "Sturm", "café", "x"]), max_size=80
    ),
    asked=st.sets(st.sampled_from(["storm", "ferry", "sea", "cafe"]), min_size=1),
)
def test_a_snippet_marks_exactly_the_words_it_was_found_by(words: list[str], asked: set[str]) -> None:
    body = " ".join(words)
    one = article(body=f"<p>{body}</p>", summary="A summary.", subtitle="")
    forms = {form for word in asked if (q := query_word(word, ["en"])) for form in q.forms}
    cut = snippet(one, forms)
    assert all(0 <= start < end <= len(cut.text) for start, end in cut.highlights)
    for start, end in cut.highlights:
        (spot,) = spots(cut.text[start:end], "en")
        assert spot.term in forms
    marked = {(start, end) for start, end in cut.highlights}
    for spot in spots(cut.text, "en"):
        if spot.term in forms:
            assert (spot.start, spot.end) in marked
    assert len(list(spots(cut.text, "en"))) <= limits.SNIPPET_WORDS


def _searched(articles: list[Article], text: str, filters: Filters | None = None) -> list[str]:
    index = MemorySearchIndex()
    apply(index, {a.id: a for a in articles})
    records = MemoryArticles({a.slug: a for a in articles})
    found = search(index, records, text, filters or Filters(), start=0, limit=10, default_language="en")
    return [f.article.slug for f in found.found]


def test_the_denser_match_ranks_first_and_equals_go_newest_first() -> None:
    about = article(1, title="Storm hits the coast", body="<p>Winds rose.</p>")
    mention = article(2, title="Harbour news", body="<p>After the storm, boats returned.</p>")
    assert _searched([mention, about], "storm") == [about.slug, mention.slug]
    older = article(4, title="Storm alpha", body="<p>Winds rose.</p>")  # published 4 hours before EPOCH
    newer = article(3, title="Storm gamma", body="<p>Winds rose.</p>")
    assert _searched([older, newer], "storm") == [newer.slug, older.slug]
    assert _searched([older, newer], "storm", Filters("kazakhstan-news", "politics")) == [
        newer.slug,
        older.slug,
    ]
    assert _searched([older, newer], "storm", Filters(tag="sport")) == []


SUPPORTED = sorted(STEMMED)


def _alphabet(language: str) -> str:
    letters = {c for word in analyzer(language).stop_words for c in word if c.isalpha()}
    return "".join(sorted(letters)) or "abcdefghijklmnopqrstuvwxyz"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), language=st.sampled_from(SUPPORTED))
def test_in_every_supported_language_an_article_is_found_by_each_of_its_words(
    data: st.DataObject, language: str
) -> None:
    words = data.draw(
        st.lists(st.text(alphabet=_alphabet(language), min_size=3, max_size=12), min_size=1, max_size=8)
    )
    one = article(title="Report", body=f"<p>{' '.join(words)}</p>", language=language)
    for word in words:
        if text_terms(word, language):  # (a word of one-letter pieces is not a word)
            assert _searched([one], word) == [one.slug], (language, word)
            shouted = word.upper()  # in capitals, where they go back to the same letters
            if unicodedata.normalize("NFC", shouted.lower()) == unicodedata.normalize("NFC", word):
                assert _searched([one], shouted) == [one.slug], (language, shouted)


@given(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=300))
def test_the_snippet_window_is_the_best_stretch(terms: list[str | None]) -> None:
    """The one-pass window against the plain definition: each match's stretch, compared."""
    words = [Spot(n, n + 1, term) for n, term in enumerate(terms)]
    hits = [n for n, term in enumerate(terms) if term is not None]
    if not hits:
        return
    span = limits.SNIPPET_WORDS - LEAD
    keys = []
    for n, first in enumerate(hits):
        inside = [i for i in hits[n:] if i < first + span]
        keys.append(((len({terms[i] for i in inside}), len(inside)), -n))
    best = hits[max(keys)[1] * -1]
    assert best_start(words, hits) == max(0, best - LEAD)
