"""Relating many articles together gives the lists, scores and index that relating them one by one gives,
however the stream cuts them into batches (over the in-memory stores; tests/integration/test_related_batch.py
does the same over DynamoDB)."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.logic.related.batch import leading_run, relate_together, runs
from newsfeed.logic.related.relator import Relator
from newsfeed.logic.slugs import slugify
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, RelatedCard, Unpublished
from newsfeed.models.errors import StaleChange
from tests.support.corpus import as_article, rows
from tests.support.memory import MemoryIndex, MemoryLists

COUNT = 48
TAGS = ["Oil", "Football", "Elections", "Markets"]


@cache
def archive() -> tuple[Article, ...]:
    """AG News items, some with tags (so the tags' newest cards are compared too), some curating a later
    one (so a list waits for an article the batch publishes), one published again corrected."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found = []
    for n, (_, title, body) in enumerate(rows(COUNT)):
        item = as_article(n, title, body, at=start + timedelta(minutes=n))
        if n % 3 == 0:
            tags = [TAGS[n % 4], TAGS[(n // 3) % 4]]
            item = item.model_copy(update={"tags": tags, "tag_slugs": [slugify(t) for t in tags]})
        found.append(item)
    for n in range(0, COUNT - 5, 7):
        found[n] = found[n].model_copy(update={"related_slugs": [found[n + 5].slug]})
    corrected = found[10].model_copy(update={"title": f"{found[10].title}, corrected", "revision": 2})
    return (*found, corrected)


def one_by_one(articles: tuple[Article, ...]) -> tuple[MemoryIndex, MemoryLists]:
    index, lists = MemoryIndex(), MemoryLists()
    for article in articles:
        lists.put(article)
    for article in articles:
        with suppress(StaleChange):  # the first image of the corrected one: its newer record follows
            Relator(index, lists).relate(article)
    return index, lists


def lists_of(lists: MemoryLists) -> dict[str, list[tuple[str, float]]]:
    return {
        slug: [(c.id, c.score) for c in record.related]
        for slug, record in lists.records.items()
        if isinstance(record, Article)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, COUNT), max_size=6))
def test_any_cut_into_batches_lists_what_one_by_one_does(cuts: list[int]) -> None:
    articles = archive()
    expected_index, expected = one_by_one(articles)
    index, lists = MemoryIndex(), MemoryLists()
    for article in articles:  # the ingest stored every one before the stream delivers them
        lists.put(article)
    bounds = [0, *sorted(set(cuts)), len(articles)]
    for start, end in itertools.pairwise(bounds):
        relate_together(index, lists, articles[start:end])
    assert lists_of(lists) == lists_of(expected)
    assert index.lists == expected_index.lists
    assert index.signatures_by_id == expected_index.signatures_by_id
    assert index.counts == expected_index.counts
    assert lists.edges == expected.edges


@dataclass
class Interleaved(MemoryLists):
    """Another writer changes some records just before the batch writes its lists."""

    meanwhile: dict[str, Callable[[Article], dict[str, Any]]] = field(default_factory=dict)

    def replace_related_all(self, changes: Sequence[tuple[Article, Sequence[RelatedCard]]]) -> list[Article]:
        for slug, update in self.meanwhile.items():
            record = self.records[slug]
            assert isinstance(record, Article)
            self.records[slug] = record.model_copy(update=update(record))
        return super().replace_related_all(changes)


def test_lists_another_writer_changed_meanwhile_keep_both_writers_changes() -> None:
    articles = archive()[:COUNT]
    first, second = articles[:30], articles[30:]
    index, lists = MemoryIndex(), Interleaved()
    for article in articles:
        lists.put(article)
    relate_together(index, lists, first)
    undisturbed = copy.deepcopy(lists)
    relate_together(copy.deepcopy(index), undisturbed, second)
    older = next(a.slug for a in first if undisturbed.records[a.slug] != lists.records[a.slug])
    before, foreign = lists.records[older], RelatedCard(**first[0].card().model_dump(), score=0.99)
    assert isinstance(before, Article) and first[0].id not in {c.id for c in before.related}
    lists.meanwhile = {
        older: lambda record: {"related": [foreign, *record.related]},  # offered an article elsewhere
        second[1].slug: lambda record: {"title": "Corrected by its editor", "revision": 2},
    }
    relate_together(index, lists, second)

    after, expected = lists.records[older], undisturbed.records[older]
    assert isinstance(after, Article) and isinstance(expected, Article)
    offered_by_batch = {c.id for c in expected.related} - {c.id for c in before.related}
    kept = {c.id for c in after.related}
    assert foreign.id in kept and offered_by_batch
    assert offered_by_batch <= kept or len(kept) == limits.RELATED_STORED
    corrected = lists.records[second[1].slug]
    assert isinstance(corrected, Article) and corrected.title == "Corrected by its editor"
    assert corrected.related == []  # its newer version's record relates it


def test_the_run_taken_together_ends_at_a_takedown_or_an_opt_out() -> None:
    first, second, third = archive()[:3]
    opted_out = third.model_copy(update={"show_in_related": False})
    gone = Unpublished(id=second.id, slug=second.slug, unpublished_at=second.published_at)
    unchanged = (first, first)  # nothing to relate: taken, but no article
    assert leading_run([None, (None, first), unchanged, (None, second)]) == (4, [first, second])
    assert leading_run([(None, first), (second, gone), (None, third)]) == (1, [first])
    assert leading_run([(None, first), (None, opted_out), (None, second)]) == (1, [first])


KINDS = ("new", "takedown", "opted out", "unchanged", "other item")


@given(st.lists(st.sampled_from(KINDS), max_size=40))
def test_runs_are_the_stretches_between_takedowns_and_opt_outs_with_two_articles_or_more(
    kinds: list[str],
) -> None:
    article = archive()[0]
    gone = Unpublished(id=article.id, slug=article.slug, unpublished_at=article.published_at)
    change: dict[str, tuple[ArticleRecord | None, ArticleRecord | None] | None] = {
        "new": (None, article),
        "takedown": (article, gone),
        "opted out": (None, article.model_copy(update={"show_in_related": False})),
        "unchanged": (article, article),
        "other item": None,
    }
    breaks = [n for n, kind in enumerate(kinds) if kind in ("takedown", "opted out")]
    stretches = zip([-1, *breaks], [*breaks, len(kinds)], strict=True)
    expected = [
        (start + 1, end, kinds[start + 1 : end].count("new"))
        for start, end in stretches
        if kinds[start + 1 : end].count("new") >= 2
    ]
    found = runs([change[kind] for kind in kinds])
    assert [(start, end, len(articles)) for start, end, articles in found] == expected
