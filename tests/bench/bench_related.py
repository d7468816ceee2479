"""Related lists' cost per publish, with 1,000 and with 20,000 articles already indexed: flat.

The archive is AG News text (rows recombined past the corpus's 7,600: row n's title with row 7n's
description), as N publishes would leave the index: each article's signature and a posting per term, the
postings of each term cut to the newest POSTINGS_READ + POSTINGS_TRIM (what trimming keeps), the corpus
counts, and the article records. It is written straight into moto (no stream records) to keep setup quick;
the older articles' related lists start empty, so every offer of a new article is taken: the most writes a
publish can make. Then the same 50 new articles are related one by one by the publisher's own `Relator`
over DynamoDB (moto in this process). Reported per publish: DynamoDB calls by operation, read and write
units, the time in all and the time outside the emulator (moto's in-memory tables get slower with size in
ways DynamoDB does not; the calls and units are what DynamoDB bills and what its latency follows). The
requests run one at a time here (in Lambda, `dal.batch.IN_FLIGHT` at once), so that moto's time can be told
apart from ours.
"""

from __future__ import annotations

import gc
import math
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from infra.template import load_template

from newsfeed.dal import batch, clients
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import record_item
from newsfeed.dal.keys import CORPUS_KEY, posting_key
from newsfeed.dal.related_index import RelatedIndexTable, signature_item
from newsfeed.logic.html import to_plain_text
from newsfeed.logic.related.batch import relate_together
from newsfeed.logic.related.relator import Relator
from newsfeed.logic.related.scoring import normalized
from newsfeed.logic.related.terms import term_counts
from newsfeed.models import limits
from newsfeed.models.article import Article
from newsfeed.models.related_index import Signature
from tests.bench.harness import Calls, Row, moto_stack, preload, timed
from tests.support.corpus import as_article, rows

SIZES = (1_000, 20_000)
PUBLISHES = 50
# Articles related together: as many as the related-lists function's stream batch holds (template.yaml).
BULK = int(
    load_template()["Resources"]["RelatedFunction"]["Properties"]["Events"]["ContentChanges"]["Properties"][
        "BatchSize"
    ]
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def texts(count: int) -> list[tuple[str, str]]:
    corpus = [(title, body) for _, title, body in rows()]
    return [(corpus[n % len(corpus)][0], corpus[(7 * n) % len(corpus)][1]) for n in range(count)]


def article(n: int, title: str, body: str) -> Article:
    return as_article(n, title, body, at=START + timedelta(minutes=n), name="r").model_copy(
        update={"slug": f"story-{n}"}
    )


def index_items(articles: list[Article]) -> Iterator[dict[str, Any]]:
    """The items relating `articles` in order would leave in the index (vectors from the whole archive's
    document frequencies; each expanded vector is the article's own)."""
    counts = []
    for a in articles:
        terms = term_counts(a.title, f"{a.subtitle} {to_plain_text(a.body)}", a.language)
        counts.append(dict(sorted(terms.items(), key=lambda t: (-t[1], t[0]))[: limits.INDEX_TERMS]))
    df = Counter(term for c in counts for term in c)
    total = sum(sum(c.values()) for c in counts)
    postings: dict[str, list[dict[str, Any]]] = {}
    for seq, (a, terms) in enumerate(zip(articles, counts, strict=True), 1):
        vector = normalized({t: c * math.log((len(articles) + 1) / (df[t] + 0.5)) for t, c in terms.items()})
        yield record_item(a)
        yield signature_item(
            Signature(card=a.card(), seq=seq, length=sum(terms.values()), terms=vector, expanded=vector)
        )
        for term, weight in vector.items():
            postings.setdefault(term, []).append(
                {**posting_key(term, seq), "a": {"S": a.id}, "w": {"N": repr(weight)}}
            )
    keep = limits.POSTINGS_READ + limits.POSTINGS_TRIM
    for entries in postings.values():
        yield from entries[-keep:]
    yield {
        **CORPUS_KEY,
        "articles": {"N": str(len(articles))},
        "length": {"N": str(round(total))},
        "seq": {"N": str(len(articles))},
    }


def measure(size: int, corpus: list[tuple[str, str]]) -> dict[str, Any]:
    archive = [article(n, *corpus[n]) for n in range(size)]
    fresh = max(SIZES)  # the texts past the largest archive: new to every archive
    new = [article(size + n, *corpus[fresh + n]) for n in range(PUBLISHES)]
    imported = [article(size + PUBLISHES + n, *corpus[fresh + PUBLISHES + n]) for n in range(BULK)]
    batch.IN_FLIGHT = 1
    with moto_stack() as bench:
        table_name = bench.outputs["ContentTableName"]
        preload(table_name, index_items(archive))
        del archive
        # The emulated archive lives in this process's heap; freezing it keeps Python's garbage collector from
        # rescanning it on every collection (a cost Lambda, whose heap holds no archive, never pays).
        gc.collect()
        gc.freeze()
        table = ContentTable(table_name)
        relator = Relator(RelatedIndexTable(table_name), table.related_lists)
        calls = Calls()
        calls.hook(clients.dynamodb())
        walls, ours = [], []
        for a in new:
            preload(table_name, [record_item(a)])
            wall, outside = timed(partial(relator.relate, a))
            walls.append(wall)
            ours.append(outside)
        single = dict(calls.counts), dict(calls.units)
        preload(table_name, [record_item(a) for a in imported])
        calls.counts.clear()
        calls.units.clear()
        wall, outside = timed(
            partial(relate_together, RelatedIndexTable(table_name), table.related_lists, imported)
        )
        gc.unfreeze()
        return {
            "calls": {k: v / PUBLISHES for k, v in single[0].items()},
            "units": {k: v / PUBLISHES for k, v in single[1].items()},
            "wall": statistics.median(walls),
            "ours": statistics.median(ours),
            "bulk_calls": {k: v / BULK for k, v in calls.counts.items()},
            "bulk_wall": wall,
            "bulk_ours": outside,
        }


def run() -> list[Row]:
    corpus = texts(max(SIZES) + PUBLISHES + BULK)
    results = {size: measure(size, corpus) for size in SIZES}
    small, large = (results[s] for s in SIZES)
    rows_: list[Row] = [Row("related lists: per publish, archive of 1,000 vs 20,000 articles", "", "")]
    for size, r in results.items():
        total = sum(r["calls"].values())
        parts = ", ".join(f"{op.split('.')[1]} {n:.1f}" for op, n in sorted(r["calls"].items()))
        rows_.append(Row(f"  {size:,} articles: DynamoDB calls", f"{total:.1f}", parts))
        units = f"{r['units'].get('dynamodb.RRU', 0):.1f} RRU, {r['units'].get('dynamodb.WRU', 0):.1f} WRU"
        rows_.append(Row(f"  {size:,} articles: units", units, ""))
        rows_.append(
            Row(
                f"  {size:,} articles: time (median)",
                f"{r['wall'] * 1000:.0f} ms",
                f"outside moto {r['ours'] * 1000:.0f} ms",
            )
        )
    rows_.append(Row(f"related lists: {BULK} articles related together (an import)", "", ""))
    for size, r in results.items():
        total = sum(r["bulk_calls"].values())
        parts = ", ".join(f"{op.split('.')[1]} {n:.2f}" for op, n in sorted(r["bulk_calls"].items()))
        rows_.append(
            Row(f"  {size:,} articles: DynamoDB calls per article", f"{total:.1f}", f"{parts} (target <= 15)")
        )
        per = f"{r['bulk_wall'] / BULK * 1000:.1f} ms"
        rows_.append(
            Row(
                f"  {size:,} articles: time per article",
                per,
                f"outside moto {r['bulk_ours'] / BULK * 1000:.1f} ms",
            )
        )
    ratio_calls = sum(large["calls"].values()) / sum(small["calls"].values())
    rows_.append(
        Row(
            "  20,000 / 1,000: calls",
            f"{ratio_calls:.2f}x",
            f"time outside moto {large['ours'] / small['ours']:.2f}x",
        )
    )
    return rows_


if __name__ == "__main__":
    for row in run():
        print(f"{row.label:<60} {row.figure:<12} {row.against}")
