"""Relatedness pieces on their own: language-aware terms, frequencies from bounded posting lists, the
rules of a related list (curated first, a place by score), and which changes need relating again."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed.logic.related.relator import Relator, needs_relating, offered
from newsfeed.logic.related.scoring import closeness, document_frequency, expand, nearest
from newsfeed.logic.related.terms import analyzer, term_counts
from newsfeed.models.article import Article, RelatedCard
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.errors import StaleChange
from newsfeed.models.related_index import Corpus, Posting, PostingList, Signature
from tests.support.factories import article
from tests.support.memory import MemoryIndex, MemoryLists


def test_english_and_russian_words_are_stemmed_and_stop_words_dropped() -> None:
    assert analyzer("en").terms("The ferries were sinking in the storms") == ["ferri", "sink", "storm"]
    assert analyzer("en-GB").terms("Ferry sinks") == ["ferri", "sink"]
    words = analyzer("ru").terms("Выборы президента Казахстана: итоги выборов")
    assert words == ["выбор", "президент", "казахста", "итог", "выбор"]


def test_kazakh_endings_are_cut_and_its_stop_words_dropped() -> None:
    words = analyzer("kk").terms("Қазақстанның астанасы және Қазақстанда өтті")
    assert words == ["қазақс", "астана", "қазақс", "өтті"]


def test_unknown_languages_keep_whole_words() -> None:
    assert analyzer("xx").terms("Alpha beta, beta!") == ["alpha", "beta", "beta"]


def test_a_title_word_counts_more_in_a_long_article() -> None:
    short = term_counts("Ferry sinks", "A ferry sank near the port.", "en")
    long = term_counts("Ferry sinks", " ".join(f"word{n}" for n in range(40)), "en")
    assert short["sink"] == 1 and long["sink"] == 3


def test_frequencies_from_bounded_lists() -> None:
    corpus = Corpus(articles=1_000, length=20_000, seq=1_000)
    few = PostingList((Posting("a", 990, 0.1), Posting("b", 500, 0.1)), complete=True)
    assert document_frequency(few, corpus) == 2
    full = PostingList(tuple(Posting(str(n), 1_000 - n, 0.1) for n in range(100)), complete=False)
    assert document_frequency(full, corpus) == 1_000  # the newest 100 span 100 sequence numbers: every one
    sparse = PostingList(tuple(Posting(str(n), 1_000 - 5 * n, 0.1) for n in range(100)), complete=False)
    assert 195 < document_frequency(sparse, corpus) < 205  # one in five lately


def test_expansion_brings_in_the_neighbours_words() -> None:
    expanded = expand({"ferri": 1.0}, [{"ferri": 0.6, "rescu": 0.8}, {"ferri": 0.6, "rescu": 0.8}], 2)
    assert set(expanded) == {"ferri", "rescu"} and expanded["ferri"] > expanded["rescu"]


def test_a_lone_weak_neighbour_does_not_take_over_a_young_archive() -> None:
    """With one neighbour found of 50 slots, the article keeps its own words (a ferry story must not turn
    into the payments story it shares one tag word with)."""
    expanded = expand({"ferri": 1.0}, [{"payment": 1.0}], 50)
    assert expanded["ferri"] > 0.99 and expanded["payment"] < 0.05


def signature(n: int, vector: dict[str, float], tags: list[str] | None = None) -> Signature:
    card = article(n, tags=tags or [], tag_slugs=tags or []).card()
    return Signature(card=card, seq=n, length=10, terms=vector, expanded=vector)


def test_neighbours_are_found_by_the_words_their_story_is_told_with() -> None:
    """A candidate whose own words miss the article's but whose story (its expanded vector) is told with
    them is a nearer neighbour than one sharing a single common word; one with nothing in common is none."""
    story = Signature(
        card=article(1).card(),
        seq=1,
        length=10,
        terms={"vessel": 1.0},
        expanded={"vessel": 0.6, "ferri": 0.8},
    )
    passing = signature(2, {"ferri": 0.2, "tariff": 0.98})
    unrelated = signature(3, {"tariff": 1.0})
    candidates = {"story": story, "passing": passing, "unrelated": unrelated}
    assert nearest({"ferri": 1.0}, candidates, 5) == ["story", "passing"]
    assert nearest({"ferri": 1.0}, candidates, 1) == ["story"]


def test_shared_tags_add_to_the_score() -> None:
    a, b = signature(1, {"x": 1.0}, ["economy"]), signature(2, {"x": 1.0}, ["economy"])
    c = signature(3, {"x": 1.0}, ["sport"])
    assert closeness(a, b) > closeness(a, c) > 0.9


def card(n: int, score: float = 0.0, curated: bool = False) -> RelatedCard:
    return RelatedCard(**article(n).card().model_dump(), score=score, curated=curated)


def test_an_offered_article_takes_its_place_by_score_after_curated_ones() -> None:
    current = [card(1, curated=True), card(2, 0.9), card(3, 0.5)]
    assert offered(current, card(4, 0.7)) == [current[0], current[1], card(4, 0.7), current[2]]
    assert offered(current, card(1, 0.99)) is None  # curated there already
    assert offered(current, card(2, 0.9)) is None  # there already, same score
    full = [card(n, 1 - n / 100) for n in range(20)]
    assert offered(full, card(99, 0.5)) is None  # does not rank among 20
    assert offered(full, card(99, 0.995)) == [full[0], card(99, 0.995), *full[1:19]]


def test_what_needs_relating() -> None:
    published = article(1)
    assert needs_relating(None, published)
    assert not needs_relating(published, published)
    assert not needs_relating(published, published.model_copy(update={"related": [card(2)]}))
    assert needs_relating(published, published.model_copy(update={"title": "New title"}))
    assert needs_relating(published, published.model_copy(update={"show_in_related": False}))
    assert not needs_relating(published, published.model_copy(update={"status": ArticleStatus.DRAFT}))


def test_relating_goes_on_over_a_list_that_changed_meanwhile_but_not_over_a_changed_article() -> None:
    index, lists = MemoryIndex(), MemoryLists()
    older = article(1, title="Ferry sinks in the Caspian", body="<p>A ferry sank near Aktau port.</p>")
    lists.put(older)
    Relator(index, lists).relate(older)
    stale = article(
        2, title="Ferry survivors rescued", body="<p>Ferry survivors were rescued near Aktau.</p>"
    )
    lists.put(stale.model_copy(update={"related": [card(9, 0.2)]}))  # offered an article meanwhile
    Relator(index, lists).relate(stale)
    relisted = lists.records[stale.slug]
    assert isinstance(relisted, Article) and [c.id for c in relisted.related] == [older.id]

    edited = stale.model_copy(update={"title": "Ferry survivors tell their story", "revision": 2})
    lists.put(edited)
    counted = index.counts.articles
    with pytest.raises(StaleChange):
        Relator(index, lists).relate(stale)  # the stream's older image: the edit's own record follows
    assert index.counts.articles == counted  # a relating that stopped counts nothing in
    Relator(index, lists).relate(edited)
    assert index.counts.articles == counted == 2  # the article, re-indexed, is still counted once


@given(st.text(min_size=0, max_size=3_000), st.sampled_from(["en", "ru", "kk", "xx"]))
def test_no_term_is_longer_than_a_word_may_be(text: str, language: str) -> None:
    """Whatever the text (runs of letters of any length among them), its terms fit an index key."""
    from newsfeed.models import limits

    for term in analyzer(language).terms(text + " " + "ж" * 5_000):
        assert len(term) <= limits.MAX_WORD_CHARS
