"""Bulk import: `newsfeed import` of the AG News corpus (7,600 files) into the local stack, in articles/s,
against raw BatchWriteItem of exactly the items the import left in the content table.

"Ours" is the editor's command end to end, progress bar and summary included: files read and checked,
bundled, sent to the uploads bucket 8 at a time, applied by the ingest function as the local stack runs it
(S3 event -> SQS -> handler, up to 4 invocations at once, idempotency, batched reads, transactions of up to
100 items), and every bundle's result read back. "Raw" is BatchWriteItem, 25 items a call, of the same items
into an empty table of the same shape (keys, and a stream as the content table has: moto charges for stream
records, DynamoDB does not) on the same endpoint (moto, in the local stack's child process): the floor for
storing those articles at all. "Ours" shares its process with the rest of the local stack, the publisher
regenerating feeds as the articles arrive. The command then follows the related-lists function until every
list is final (it relates the import's stream records together, `logic.related.batch`): that time is
reported on its own, from the import's summary to the command's end.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from newsfeed.dal import batch
from newsfeed.dal.keys import article_key, list_pk, revision_pk, upload_key
from newsfeed.models.scope import SITE, Scope, ScopeKind
from tests.bench.harness import FIGURES, Row, raw_batch_writes
from tests.support import corpus
from tests.support.local import free_port


def ingest_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """The items the ingest wrote for the published articles, read by key: their list entries, article and
    upload records and revisions. (A Scan would read the related index too, and moto's Scan takes time
    proportional to the whole table for every page.)"""

    def partition(pk: str) -> list[dict[str, Any]]:
        pages = dynamodb.get_paginator("query").paginate(
            TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
        )
        return [item for page in pages for item in page["Items"]]

    cards = partition(list_pk(SITE))
    scopes = {Scope(ScopeKind.SECTION, c["section_slug"]["S"]) for c in cards}
    for kind, attribute in ((ScopeKind.TAG, "tag_slugs"), (ScopeKind.AUTHOR, "author_slugs")):
        scopes |= {Scope(kind, v["S"]) for c in cards for v in c.get(attribute, {}).get("L", [])}
    items = cards + [item for scope in sorted(scopes) for item in partition(list_pk(scope))]
    records = batch.get_all(dynamodb, table, [article_key(c["slug"]["S"]) for c in cards], consistent=False)
    uploads = [upload_key(r["source_key"]["S"]) for r in records]
    items += records + batch.get_all(dynamodb, table, uploads, consistent=False)
    return items + [item for r in records for item in partition(revision_pk(r["id"]["S"]))]


def measure(limit: int | None = None) -> dict[str, float]:
    from infra.event_sources import wait_until_idle
    from infra.local_stack import LocalStack

    from newsfeed.cli import archive as cli_archive
    from newsfeed.cli.main import main as newsfeed

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ["NEWSFEED_LOG_LEVEL"] = "ERROR"  # duplicate titles in the corpus are warnings, by the hundred
    stack = LocalStack(port=free_port(), aws_port=free_port())
    imported: list[float] = []  # when the import itself ended and the command began following related lists
    follow = cli_archive.follow_related

    def timed_follow(connection: Any, timeout: float) -> None:
        imported.append(time.perf_counter())
        follow(connection, timeout)

    cli_archive.follow_related = timed_follow
    with tempfile.TemporaryDirectory() as scratch, stack.running() as resources:
        files = corpus.write_files(Path(scratch) / "ag", limit)
        args = ["import", str(Path(scratch) / "ag"), "--endpoint-url", stack.endpoint, "--timeout", "120"]
        quiet = contextlib.redirect_stdout(io.StringIO())  # Powertools flushes metrics every 100
        start = time.perf_counter()
        with quiet as printed:
            status = newsfeed(args)
        end = time.perf_counter()
        cli_archive.follow_related = follow
        # Then the publisher, still writing feeds and archive pages (the scan below must not run beside it).
        if not wait_until_idle(list(stack.active), timeout=1200):
            raise RuntimeError("the publisher did not catch up within 20 minutes")
        caught_up = time.perf_counter() - end
        dynamodb = boto3.session.Session().client("dynamodb")
        corpus_item = dynamodb.get_item(
            TableName=resources.outputs["ContentTableName"],
            Key={"pk": {"S": "related#corpus"}, "sk": {"S": "corpus"}},
        ).get("Item", {})
        related_count = int(corpus_item.get("articles", {}).get("N", "0"))
        output = printed.getvalue()
        summary = [line for line in output.splitlines() if not line.startswith('{"')]
        print("\n".join(summary[:4]))
        items = ingest_items(dynamodb, resources.outputs["ContentTableName"])
        articles = sum(1 for item in items if item["sk"]["S"] == "article")
        raw = raw_batch_writes(dynamodb, items, like=resources.outputs["ContentTableName"])
    return {
        "files": len(files),
        "articles": articles,
        "items": len(items),
        "ours": imported[0] - start,
        "caught_up": caught_up,
        "related": related_count,
        "related_time": end - imported[0],
        "related_final": "related lists: final" in output,
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
            f"raw BatchWriteItem of the same items {raw:.0f} articles/s: "
            f"ratio {ours / raw:.2f} (target >= 0.5)",
        ),
        Row(
            "  then until every related list is final",
            f"{m['related_time']:.0f} s",
            f"{m['related']:,.0f} articles related{'' if m['related_final'] else ' (NOT final: timed out)'} "
            "(target < 300 s)",
        ),
        Row("  then the publisher catching up (feeds, archive pages)", f"{m['caught_up']:.0f} s", ""),
    ]
