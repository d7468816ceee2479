"""Search's costs (`python -m tests.bench search`): per indexed publish with 1,000 and 20,000 articles in the
index (flat), per query of 1, 3 and 6 words, a query's time beside SQLite FTS5 over the same 20,000 articles,
the index's size per article, and 7,600 articles indexed in bulk beside writing their records.

The archive is AG News text (rows recombined past the corpus's 7,600, as in `bench_related`: row n's title
with row 7n's description), indexed by the real `logic.search.indexing` into the in-memory index and
loaded straight into moto (no stream records) to keep setup quick; then 20 new articles are indexed one by
one and queries are answered by the real `logic.search.finder` over `dal.search_index` (moto in this
process; requests one at a time, `dal.batch.IN_FLIGHT` = 1, so that moto's time can be told apart from ours).
Calls and request units are what DynamoDB would bill. The queries are words of the archive's own articles
(every 97th article's title and body words), so each finds at least its article; AG News items are short
(a real article has ten times their words, and a publish writes a posting per distinct word).
"""

from __future__ import annotations

import gc
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

from newsfeed.dal import batch, clients
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import record_item
from newsfeed.dal.search_index import SearchIndexTable, corpus_item, entry_item, posting_item
from newsfeed.logic.html import to_plain_text
from newsfeed.logic.search.finder import search
from newsfeed.logic.search.indexing import apply
from newsfeed.logic.search.ranking import Filters
from newsfeed.models.article import Article
from tests.bench.bench_related import article, texts
from tests.bench.eval_search import content_words
from tests.bench.harness import Calls, Row, item_bytes, moto_stack, preload, raw_batch_writes, timed
from tests.support.memory import MemorySearchIndex

SIZES = (1_000, 20_000)
PUBLISHES = 20
QUERIES = 20  # of each length
LENGTHS = (1, 3, 6)
BULK = 7_600
BATCH = 2_000  # the related-lists function's stream batch (template.yaml)
SEED = 20261204
ITEM_OVERHEAD = 100  # bytes DynamoDB stores and bills per item besides its attributes


def index_items(articles: list[Article]) -> Iterator[dict[str, Any]]:
    """What indexing `articles` leaves in the table, and their records."""
    memory = MemorySearchIndex()
    for start in range(0, len(articles), BATCH):
        apply(memory, {a.id: a for a in articles[start : start + BATCH]})
    yield from map(record_item, articles)
    for term, postings in memory.lists.items():
        yield from (posting_item(term, occurrence) for occurrence in postings.values())
    yield from map(entry_item, memory.entries.values())
    yield corpus_item(memory.counts)


def _bytes_written(client: Any) -> list[int]:
    """The bytes of every item the client puts with BatchWriteItem from now on (a list that grows)."""
    sizes: list[int] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        for requests in params["RequestItems"].values():
            sizes.extend(item_bytes(r["PutRequest"]["Item"]) for r in requests if "PutRequest" in r)

    client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", note)
    return sizes


def queries(articles: list[Article], length: int) -> list[str]:
    pick = random.Random(SEED + length)  # noqa: S311 -- a seeded sample of words, the same every run
    made = []
    for a in articles[::97]:
        words = content_words(f"{a.title} {to_plain_text(a.body)}")
        if len(words) >= length:
            made.append(" ".join(pick.sample(words, length)))
        if len(made) == QUERIES:
            break
    return made


def fts5(articles: list[Article]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE a USING fts5(title, body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany("INSERT INTO a VALUES (?, ?)", [(a.title, to_plain_text(a.body)) for a in articles])
    return db


def fts5_seconds(db: sqlite3.Connection, asked: list[str]) -> float:
    start = time.perf_counter()
    for text in asked:
        match = " ".join(f'"{w}"' for w in text.split())
        db.execute("SELECT rowid FROM a WHERE a MATCH ? ORDER BY bm25(a) LIMIT 10", (match,)).fetchall()
    return (time.perf_counter() - start) / len(asked)


def measure(size: int, corpus: list[tuple[str, str]]) -> dict[str, Any]:
    archive = [article(n, *corpus[n]) for n in range(size)]
    new = [article(size + n, *corpus[max(SIZES) + n]) for n in range(PUBLISHES)]
    batch.IN_FLIGHT = 1
    found: dict[str, Any] = {}
    with moto_stack() as bench:
        table_name = bench.outputs["ContentTableName"]
        items = list(index_items(archive))
        index_bytes = sum(item_bytes(i) + ITEM_OVERHEAD for i in items if i["sk"]["S"] != "article")
        preload(table_name, items)
        del items
        gc.collect()
        gc.freeze()  # the emulated archive: not for the collector to rescan (Lambda's heap holds none)
        index, table = SearchIndexTable(table_name), ContentTable(table_name)
        calls = Calls()
        calls.hook(clients.dynamodb())
        written = _bytes_written(clients.dynamodb())
        for a in new:
            preload(table_name, [record_item(a)])
            apply(index, {a.id: a})
        found["publish"] = (
            {k: v / PUBLISHES for k, v in calls.counts.items()},
            {k: v / PUBLISHES for k, v in calls.units.items()},
        )
        found["publish bytes"] = sum(written) / PUBLISHES
        find = partial(
            search, index, table.articles, filters=Filters(), start=0, limit=10, default_language="en"
        )
        for length in LENGTHS:
            asked = queries(archive, length)
            calls.clear()
            walls, outside = [], []
            for text in asked:
                wall, ours = timed(partial(find, text=text))
                walls.append(wall)
                outside.append(ours)
            found[f"query{length}"] = (
                sum(calls.counts.values()) / len(asked),
                calls.units.get("dynamodb.RRU", 0.0) / len(asked),
                statistics.median(walls),
                statistics.median(outside),
                fts5_seconds(fts5(archive), asked) if size == max(SIZES) else 0.0,
            )
        found["bytes per article"] = index_bytes / size
        gc.unfreeze()
    return found


def bulk(corpus: list[tuple[str, str]]) -> tuple[float, float]:
    """(seconds indexing BULK articles in stream batches, seconds writing their records raw). Eight requests
    in flight, as the function sends them (so no time outside moto: the threads' emulator time overlaps)."""
    articles = [article(n, *corpus[n]) for n in range(BULK)]
    batch.IN_FLIGHT = 8
    with moto_stack() as bench:
        table_name = bench.outputs["ContentTableName"]
        index = SearchIndexTable(table_name)

        def index_all() -> None:
            for start in range(0, BULK, BATCH):
                apply(index, {a.id: a for a in articles[start : start + BATCH]})

        wall, _ = timed(index_all)
        raw = raw_batch_writes(clients.dynamodb(), [record_item(a) for a in articles], table_name)
    return wall, raw


def run() -> list[Row]:
    corpus = texts(max(SIZES) + PUBLISHES)
    by_size = {size: measure(size, corpus) for size in SIZES}
    result = []
    publish = {size: by_size[size]["publish"] for size in SIZES}
    calls = " / ".join(f"{sum(publish[s][0].values()):.1f}" for s in SIZES)
    wru = " / ".join(f"{publish[s][1].get('dynamodb.WRU', 0):.0f}" for s in SIZES)
    rru = " / ".join(f"{publish[s][1].get('dynamodb.RRU', 0):.1f}" for s in SIZES)
    written = " / ".join(f"{by_size[s]['publish bytes'] / 1024:.1f}" for s in SIZES)
    result.append(
        Row(
            "search: indexing one publish, 1,000 / 20,000 articles",
            f"{calls} DynamoDB calls, {wru} WRU, {rru} RRU, {written} KB (mean of {PUBLISHES}; no S3)",
            "flat: target",
        )
    )
    largest = by_size[max(SIZES)]
    for length in LENGTHS:
        per_call, units, wall, ours, fts = largest[f"query{length}"]
        small = by_size[min(SIZES)][f"query{length}"]
        result.append(
            Row(
                f"search: a {length}-word query, 1,000 / 20,000 articles",
                f"{small[0]:.1f} / {per_call:.1f} calls, {small[1]:.1f} / {units:.1f} RRU; at 20,000 "
                f"{wall * 1000:.1f} ms ({ours * 1000:.1f} ms outside moto)",
                f"FTS5 {fts * 1000:.2f} ms: ratio {ours / fts:.0f} (ours outside moto)",
            )
        )
    result.append(
        Row(
            "search: index size per article",
            " / ".join(f"{by_size[s]['bytes per article'] / 1024:.1f}" for s in SIZES)
            + " KB (1,000 / 20,000)",
            "postings, entry and corpus, with DynamoDB's 100 bytes an item",
        )
    )
    wall, raw = bulk(texts(BULK))
    result.append(
        Row(
            f"search: {BULK:,} articles indexed in stream batches of {BATCH:,}",
            f"{wall:.1f} s, 8 requests in flight",
            f"their records' raw BatchWriteItem {raw:.1f} s: ratio {wall / raw:.1f}",
        )
    )
    return result
