"""One publish against a small and a large archive: the same AWS calls, about the same time.

An "archive of N" is N published articles already in the content table, with their list entries and
archive counters, as N real publishes would have left them (written directly, to keep setup quick). A
publish is then a real upload: the ingest handler, then the publisher, driven by the local stack's event
sources. Reported: the AWS calls of one publish, by operation, and the median time of five. The new articles
opt out of other articles' related lists (`show_in_related: false`): each still gets its own list, but is
not offered to the others, which would add one more write per earlier publish of the five and make the calls
differ; what relating costs against a large index is benchmark 8 (bench_related.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newsfeed.dal.items import list_entry_item, record_item, upload_item
from newsfeed.dal.keys import archive_entry_key, archive_member_key, list_pk
from newsfeed.dal.stored import to_attributes
from newsfeed.logic.articles import content_change
from newsfeed.models import limits
from newsfeed.models.scope import ScopeKind
from newsfeed.models.upload import UploadRecord
from tests.bench.harness import FIGURES, Bench, Row, median, moto_stack, preload, timed
from tests.support.factories import SECTIONS, TAGS, archived_article


def archive_items(count: int) -> Iterator[dict[str, Any]]:
    """The items `count` published articles leave: records, upload records, list entries, archive counters."""
    scopes: dict[str, int] = {}
    for n in range(count):
        article = archived_article(n)
        record = UploadRecord(key=article.source_key, article_id=article.id, slug=article.slug, order="S1")
        yield record_item(article)
        yield upload_item(record)
        for entry in content_change(record, article).list_puts:
            yield list_entry_item(entry.scope, entry.card)
            if entry.scope.kind is not ScopeKind.AUTHOR:  # its place in the scope's archive pages
                seq = scopes.get(list_pk(entry.scope), 0)
                scopes[list_pk(entry.scope)] = seq + 1
                yield {**archive_member_key(entry.scope, article.id), "seq": {"N": str(seq)}}
                card = entry.card.model_dump(mode="json", exclude_none=True)
                yield {
                    **archive_entry_key(entry.scope, seq, limits.ARCHIVE_PAGE_ITEMS),
                    **to_attributes(card),
                }
    for pk, entered in scopes.items():
        yield {"pk": {"S": f"archive#{pk}"}, "sk": {"S": "counter"}, **to_attributes({"entered": entered})}


def populate(bench: Bench, count: int) -> None:
    preload(bench.outputs["ContentTableName"], archive_items(count))


def one_publish(bench: Bench, n: int) -> tuple[float, float]:
    body = (
        f"---\ntitle: Fresh story {n}\nsection: {SECTIONS[n % len(SECTIONS)]}\n"
        f"tags: [{TAGS[n % len(TAGS)]}, {TAGS[(n + 1) % len(TAGS)]}]\nshow_in_related: false\n---\n"
        f"A fresh story, number {n}.\n"
    )
    bench.session.client("s3").put_object(
        Bucket=bench.outputs["UploadsBucketName"], Key=f"inbox/fresh-{n}.md", Body=body.encode()
    )
    return timed(bench.drain)


@dataclass(frozen=True)
class Measured:
    calls: dict[str, int]
    units: dict[str, float]  # DynamoDB request units and S3 bytes written, per publish
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
        walls, ours, per_publish, units = [], [], [], []
        for n in range(publishes):
            bench.calls.clear()
            wall, own = one_publish(bench, n)
            walls.append(wall)
            ours.append(own)
            per_publish.append(dict(bench.calls.counts))
            units.append(dict(bench.calls.units))  # a copy: the counter is cleared
        gc.unfreeze()
        # The site's pages move one article from the front page to an archive page per publish, and which
        # archive pages that touches varies a little: the figure is the most any publish made, by operation.
        operations = {op for calls in per_publish for op in calls}
        most = {op: max(calls.get(op, 0) for calls in per_publish) for op in sorted(operations)}
        return Measured(most, units[-1], median(walls), median(ours))


SIZES = (200, 2_000, 10_000, 20_000)


def run(sizes: tuple[int, ...] = SIZES) -> list[Row]:
    measured = {size: measure(size) for size in sizes}
    FIGURES["regeneration"] = measured
    first = measured[sizes[0]]
    rows = [
        Row(
            "one publish (ingest + publisher): archive size",
            "AWS calls (the most of 5 publishes)",
            "median time of 5: ours / incl. moto",
        )
    ]
    for size, m in measured.items():
        same = "" if size == sizes[0] else (" (same)" if m.calls == first.calls else " (DIFFERENT)")
        rows.append(
            Row(
                f"  {size:>6,} articles",
                f"{sum(m.calls.values())}{same}",
                f"{m.ours * 1000:.0f} ms / {m.wall * 1000:.0f} ms",
            )
        )
    last = measured[sizes[-1]]
    rows.append(
        Row(
            f"  {sizes[-1]:,} against {sizes[0]:,}",
            "",
            f"ratio ours {last.ours / first.ours:.2f} (target <= 1.3), "
            f"incl. moto {last.wall / first.wall:.2f}",
        )
    )
    rows.append(
        Row(
            "  calls by operation",
            "",
            ", ".join(f"{op.split('.')[1]} {n}" for op, n in sorted(last.calls.items())),
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
