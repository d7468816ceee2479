"""One publish against a small and a large archive: the same AWS calls, about the same time.

An "archive of N" is N published articles already in the content table, with their list entries and
archive counters, as N real publishes would have left them (written directly, to keep setup quick). A
publish is then a real upload: the ingest handler, then the publisher, driven by the local stack's event
sources. Reported: the AWS calls of one publish, by operation, and the median time of five.
"""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from newsfeed.dal.items import list_pk, record_item, to_attributes, upload_item
from newsfeed.logic.articles import content_change
from newsfeed.models.article import Article, ArticleStatus
from newsfeed.models.scope import ScopeKind
from newsfeed.models.upload import UploadRecord
from tests.bench.harness import Bench, median, moto_stack, timed

SECTIONS = [f"Section {n}" for n in range(4)]  # so that every feed a publish touches is full (50 items)
TAGS = [f"Tag {n}" for n in range(8)]  # even with 200 articles: flat cost means full feeds in both cases
START = datetime(2024, 1, 1, tzinfo=UTC)


def archived_article(n: int) -> Article:
    section = SECTIONS[n % len(SECTIONS)]
    tags = list(dict.fromkeys([TAGS[n % len(TAGS)], TAGS[(n * 7) % len(TAGS)]]))
    return Article(
        id=str(uuid.UUID(int=n + 1)),
        slug=f"archived-story-{n}",
        title=f"Archived story {n}",
        body=f"<p>Archived story {n}, with a body of some length. " + "Words " * 60 + "</p>",
        summary=f"Archived story {n}.",
        section=section,
        section_slug=section.lower().replace(" ", "-"),
        tags=tags,
        tag_slugs=[t.lower().replace(" ", "-") for t in tags],
        authors=["KazPost staff"],
        author_slugs=["kazpost-staff"],
        published_at=START + timedelta(minutes=n),
        updated_at=START + timedelta(minutes=n),
        status=ArticleStatus.PUBLISHED,
        language="en",
        content_hash=f"h{n}",
        source_key=f"inbox/archived-{n}.md",
    )


def populate(bench: Bench, count: int) -> None:
    """Write `count` published articles, their upload records, list entries and archive counters."""
    table = bench.outputs["ContentTableName"]
    client = bench.session.client("dynamodb")
    items: list[dict[str, Any]] = []
    scopes: dict[str, int] = {}
    for n in range(count):
        article = archived_article(n)
        record = UploadRecord(key=article.source_key, article_id=article.id, slug=article.slug, order="S1")
        change = content_change(record, article)
        items += [record_item(article), upload_item(record)]
        for entry in change.list_puts:
            from newsfeed.dal.items import list_entry_item

            items.append(list_entry_item(entry.scope, entry.card))
            if entry.scope.kind is not ScopeKind.AUTHOR:
                scopes[list_pk(entry.scope)] = scopes.get(list_pk(entry.scope), 0) + 1
    for pk, entered in scopes.items():
        items.append(
            {"pk": {"S": f"archive#{pk}"}, "sk": {"S": "counter"}, **to_attributes({"entered": entered})}
        )
    for start in range(0, len(items), 25):
        request: Any = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None


def one_publish(bench: Bench, n: int) -> tuple[float, float]:
    body = (
        f"---\ntitle: Fresh story {n}\nsection: {SECTIONS[n % len(SECTIONS)]}\n"
        f"tags: [{TAGS[n % len(TAGS)]}, {TAGS[(n + 1) % len(TAGS)]}]\n---\nA fresh story, number {n}.\n"
    )
    bench.session.client("s3").put_object(
        Bucket=bench.outputs["UploadsBucketName"], Key=f"inbox/fresh-{n}.md", Body=body.encode()
    )
    return timed(bench.drain)


@dataclass(frozen=True)
class Measured:
    calls: dict[str, int]
    wall: float  # median seconds of one publish, emulator included
    ours: float  # median seconds of one publish outside the emulator


def measure(archive: int, publishes: int = 5) -> Measured:
    with moto_stack() as bench:
        populate(bench, archive)
        bench.forget_history()
        # The emulated archive lives in this process's heap; freezing it keeps Python's garbage collector from
        # rescanning it on every collection (a cost Lambda, whose heap holds no archive, never pays).
        gc.collect()
        gc.freeze()
        one_publish(bench, 10_000)  # warm up: first imports, first clients
        walls, ours, per_publish = [], [], []
        for n in range(publishes):
            bench.calls.counts.clear()
            wall, own = one_publish(bench, n)
            walls.append(wall)
            ours.append(own)
            per_publish.append(dict(bench.calls.counts))
        gc.unfreeze()
        if any(calls != per_publish[0] for calls in per_publish):
            raise AssertionError(f"publishes made different calls: {per_publish}")
        return Measured(per_publish[0], median(walls), median(ours))


def run(sizes: tuple[int, int] = (200, 20_000)) -> list[tuple[str, str, str]]:
    small, large = measure(sizes[0]), measure(sizes[1])
    same = "same" if small.calls == large.calls else "DIFFERENT"
    rows = [(f"one publish, archive of {sizes[0]:,} vs {sizes[1]:,}", "", "")]
    rows.append(("  AWS calls", str(sum(small.calls.values())), f"{sum(large.calls.values())} ({same})"))
    rows += [
        (f"    {op}", str(small.calls.get(op, 0)), str(large.calls.get(op, 0)))
        for op in sorted(set(small.calls) | set(large.calls))
    ]
    rows.append(
        (
            "  time, our code (median of 5)",
            f"{small.ours * 1000:.0f} ms",
            f"{large.ours * 1000:.0f} ms: ratio {large.ours / small.ours:.2f} (target <= 1.3)",
        )
    )
    rows.append(
        (
            "  time incl. moto (not DynamoDB)",
            f"{small.wall * 1000:.0f} ms",
            f"{large.wall * 1000:.0f} ms: ratio {large.wall / small.wall:.2f}",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
