"""Ingest throughput: articles uploaded and ingested per second, against raw BatchWriteItem of the same items.

The articles are the first 1,000 of the AG News corpus (`../shared/corpora/ag_news_test.csv`, else
generated text), as Markdown uploads with no tags. "Ours" is the whole path after the upload: the S3 event
on the ingest queue, the ingest function (idempotency record, upload record, GetObject, parse, render,
sanitise, related candidates, one transaction per article), with the template's batch size of 10. "Raw" is
BatchWriteItem, 25 items a call, of exactly the items the ingest left in the content table, into an empty
table of the same shape (keys and stream): the floor for storing those articles at all.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench.harness import Row, moto_stack, raw_batch_writes

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "ag_news_test.csv"
ARTICLES = 1000


def uploads(count: int) -> Iterator[tuple[str, str]]:
    """(title, body) pairs: the corpus's, or generated ones of similar length."""
    if CORPUS.exists():
        with CORPUS.open(encoding="utf-8", newline="") as corpus:
            for n, row in enumerate(csv.DictReader(corpus)):
                if n == count:
                    return
                yield row["title"], row["description"].replace("\\", " ")
    else:
        for n in range(count):
            yield f"Generated story {n}", f"Story {n}: " + "some words of news " * 12


def markdown(title: str, body: str) -> bytes:
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f'---\ntitle: "{quoted}"\nsection: News\n---\n{body}\n'.encode()


def measure() -> dict[str, float]:
    with moto_stack() as bench:
        s3, dynamodb = bench.session.client("s3"), bench.session.client("dynamodb")
        bucket, table = bench.outputs["UploadsBucketName"], bench.outputs["ContentTableName"]
        start = time.perf_counter()
        for n, (title, body) in enumerate(uploads(ARTICLES)):
            s3.put_object(Bucket=bucket, Key=f"inbox/ag-{n:05}.md", Body=markdown(title, body))
        uploaded = time.perf_counter() - start
        start = time.perf_counter()
        with contextlib.redirect_stdout(
            io.StringIO()
        ):  # Powertools flushes metrics every 100, disabled or not
            bench.drain("IngestFunction")
        ours = time.perf_counter() - start
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items += page["Items"]
        articles = sum(1 for item in items if item["sk"]["S"] == "article")
        raw = raw_batch_writes(dynamodb, items, like=table)
        return {
            "articles": articles,
            "items": len(items),
            "ours": ours,
            "uploaded": uploaded,
            "raw": raw,
        }


def run() -> list[Row]:
    m = measure()
    ours_rate, raw_rate = m["articles"] / m["ours"], m["articles"] / m["raw"]
    ratio = ours_rate / raw_rate
    return [
        Row(f"ingest throughput, {m['articles']:.0f} AG News articles", "", ""),
        Row(
            "  raw BatchWriteItem of the same items",
            f"{raw_rate:.0f} articles/s",
            f"{m['items'] / m['articles']:.1f} items per article, {m['items'] / m['raw']:.0f} items/s",
        ),
        Row(
            "  ingest, from the queue to stored",
            f"{ours_rate:.0f} articles/s",
            f"ratio {ratio:.2f} (target >= 0.5)",
        ),
        Row("  (the uploads themselves, one client)", f"{m['articles'] / m['uploaded']:.0f} articles/s", ""),
    ]
