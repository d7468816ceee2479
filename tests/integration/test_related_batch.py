"""Relating many articles together over DynamoDB (moto): the lists, scores and corpus that one-by-one relating
gives, and the related-lists function taking an import's records together."""

from __future__ import annotations

import logging
from contextlib import suppress

import pytest

from newsfeed.dal.content import ContentTable
from newsfeed.dal.related_index import RelatedIndexTable
from newsfeed.logic.articles import content_change
from newsfeed.logic.related.batch import relate_together
from newsfeed.logic.related.relator import Relator
from newsfeed.logic.slugs import slugify
from newsfeed.models.article import Article
from newsfeed.models.errors import StaleChange
from tests.support.corpus import ag_articles, markdown, rows
from tests.support.memory import MemoryIndex, MemoryLists
from tests.support.moto import Stack


def test_relating_together_over_dynamodb_lists_what_one_by_one_does(stack: Stack) -> None:
    articles = ag_articles(90)
    table, index = ContentTable(stack.table), RelatedIndexTable(stack.table)
    memory_index, memory_lists = MemoryIndex(), MemoryLists()
    for article in articles:
        table.articles.save(content_change(None, article))
        memory_lists.put(article)
    for article in articles:
        with suppress(StaleChange):
            Relator(memory_index, memory_lists).relate(article)
    for article in articles[:30]:  # an archive related as it was published
        Relator(index, table.related_lists).relate(article)
    relate_together(index, table.related_lists, articles[30:55])  # then an import, in two batches
    relate_together(index, table.related_lists, articles[55:])

    for article in articles:
        stored, expected = table.articles.article_record(article.slug), memory_lists.records[article.slug]
        assert isinstance(stored, Article) and isinstance(expected, Article)
        assert [(c.id, round(c.score, 3)) for c in stored.related] == [
            (c.id, round(c.score, 3)) for c in expected.related
        ], article.slug
    assert index.corpus() == memory_index.counts
    for article in articles[::10]:
        assert sorted(table.related_lists.listed_by(article.id)) == sorted(
            memory_lists.edges.get(article.id, {}).items()
        )


def test_the_related_lists_function_relates_an_imports_records_together(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    for n, (_, title, body) in enumerate(rows(40)):
        stack.put(f"ag-{n:02d}.md", markdown(title, body))
    stack.drain("IngestFunction")
    with caplog.at_level(logging.INFO):
        stack.drain()
    together = [r for r in caplog.records if r.getMessage() == "related together"]
    assert sum(r.__dict__["articles"] for r in together) == 40
    assert RelatedIndexTable(stack.table).corpus().articles == 40
    table = ContentTable(stack.table)
    listed = [table.articles.article_record(a.slug) for a in table.articles.all_articles()]
    assert sum(1 for r in listed if isinstance(r, Article) and r.related) >= 35


def test_a_takedown_in_the_middle_of_an_import_leaves_the_rest_related_together(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    for n, (_, title, body) in enumerate(rows(30)):
        stack.put(f"ag-{n:02d}.md", markdown(title, body))
        if n == 14:  # the import's first half is stored, then one of it is taken down, then the rest comes
            stack.drain("IngestFunction")
            stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ag-03.md")
            stack.drain("IngestFunction")
    stack.drain("IngestFunction")
    with caplog.at_level(logging.INFO):
        stack.drain()
    together = [r.__dict__["articles"] for r in caplog.records if r.getMessage() == "related together"]
    assert together == [15, 15]  # one batch of the stream: two runs, the takedown followed between them
    assert RelatedIndexTable(stack.table).corpus().articles == 29
    table = ContentTable(stack.table)
    gone = slugify(list(rows(4))[3][1])
    assert not isinstance(table.articles.article_record(gone), Article)
    listed = [a for a in table.articles.all_articles() if a.related]
    assert len(listed) >= 25 and all(card.slug != gone for a in listed for card in a.related)


def test_if_relating_together_fails_each_record_is_related_on_its_own(
    stack: Stack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.handlers import related_lists as function

    def fails(*_: object) -> int:
        raise RuntimeError("DynamoDB went away mid-batch")

    monkeypatch.setattr(function, "relate_together", fails)
    for n, (_, title, body) in enumerate(rows(12)):
        stack.put(f"ag-{n:02d}.md", markdown(title, body))
    stack.drain("IngestFunction")
    with caplog.at_level(logging.INFO):
        stack.drain()
    assert any(r.getMessage().startswith("relating together failed") for r in caplog.records)
    assert RelatedIndexTable(stack.table).corpus().articles == 12
    table = ContentTable(stack.table)
    assert sum(1 for a in table.articles.all_articles() if a.related) >= 10
