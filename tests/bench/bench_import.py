"""Bulk import: `newsfeed import` of the AG News corpus (7,600 files) into the local stack, in articles/s,
against raw BatchWriteItem of exactly the items the import left in the content table.

"Ours" is the editor's command end to end, progress bar and summary included: files read and checked,
bundled, sent to the uploads bucket 8 at a time, applied by the ingest function as the local stack runs it
(S3 event -> SQS -> handler, idempotency, batched reads, one transaction per ~10 articles), and every
bundle's result read back. "Raw" is BatchWriteItem, 25 items a call, of the same items into an empty table
of the same shape on the same endpoint: the floor for storing those articles at all.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from tests import corpus
from tests.bench.harness import FIGURES, Row, free_port


def raw_batch_writes(dynamodb: Any, items: list[dict[str, Any]]) -> float:
    dynamodb.create_table(
        TableName="raw",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    start = time.perf_counter()
    for first in range(0, len(items), 25):
        request: Any = {"raw": [{"PutRequest": {"Item": item}} for item in items[first : first + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    return time.perf_counter() - start


def measure(limit: int | None = None) -> dict[str, float]:
    from infra.local_stack import LocalStack

    from newsfeed.cli import main as newsfeed

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(port=free_port(), aws_port=free_port())
    with tempfile.TemporaryDirectory() as scratch, stack.running() as resources:
        files = corpus.write_files(Path(scratch) / "ag", limit)
        args = ["import", str(Path(scratch) / "ag"), "--endpoint-url", stack.endpoint, "--timeout", "120"]
        quiet = contextlib.redirect_stdout(io.StringIO())  # Powertools flushes metrics every 100
        start = time.perf_counter()
        with quiet as printed:
            status = newsfeed(args)
        ours = time.perf_counter() - start
        output = printed.getvalue()
        summary = [line for line in output.splitlines() if not line.startswith('{"')]
        print("\n".join(summary[:12]))
        dynamodb = boto3.session.Session().client("dynamodb")
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=resources.outputs["ContentTableName"]):
            items += page["Items"]
        articles = sum(1 for item in items if item["sk"]["S"] == "article")
        raw = raw_batch_writes(dynamodb, items)
    return {
        "files": len(files),
        "articles": articles,
        "items": len(items),
        "ours": ours,
        "raw": raw,
        "status": status,
    }


def run() -> list[Row]:
    m = measure()
    ours, raw = m["articles"] / m["ours"], m["articles"] / m["raw"]
    FIGURES["import"] = {"ours": ours, "raw": raw}
    return [
        Row(
            f"newsfeed import, {m['files']:,.0f} AG News files -> {m['articles']:,.0f} articles "
            f"({m['items']:,.0f} items)",
            f"{ours:.0f} articles/s ({m['ours']:.1f} s)",
            f"raw BatchWriteItem of the same items {raw:.0f} articles/s: ratio {ours / raw:.2f} (target >= 0.5)",
        )
    ]
