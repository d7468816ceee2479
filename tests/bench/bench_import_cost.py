"""What an import costs on AWS beside the same number of single publishes: every AWS request the functions
make (ingest, publisher, bulk lane, related lists, hub pings) and the editor's command makes, counted in
moto in this process, priced at list prices (tests/bench/cost.py).

An import of FILES AG News files (real news text) goes through `newsfeed import`'s importer into the
template's resources; then SINGLES more AG News files are uploaded one at a time into that archive, each
drained on its own as an editor's publish is. The import's figures are for FILES articles and are scaled by
7,600 / FILES to the whole corpus (an import's scopes are rewritten once per batch, so scaling overstates
them a little); a single publish costs the same at any archive size (`publish` benchmark), so 7,600 of
them is 7,600 times the mean. Lambda time is this process's time outside moto, a stand-in for billed
duration; Lambda requests are the invocations counted here (the stream's and queues' batches).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.event_sources import SqsEventSource

from newsfeed.cli.transfer import Importer
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from tests.bench.cost import PRICE
from tests.bench.harness import Bench, Row, moto_stack, timed
from tests.support import corpus

FILES = 1_000
SINGLES = 20
CORPUS = 7_600
GB = 0.5  # MemorySize of the ingest, publisher and bulk-lane functions (template.yaml); related lists: 1 GB


@contextmanager
def invocations(bench: Bench) -> Iterator[Counter[str]]:
    """Count invocations while inside: "lambda" all of them, "sqs" those of a queue's batch (each is a
    ReceiveMessage and a DeleteMessageBatch, made by Lambda's poller and billed as SQS requests)."""
    counted: Counter[str] = Counter()
    originals = {id(source): source.handler for source in bench.sources}

    def counting(source: Any) -> Callable[[dict[str, Any], Any], Any]:
        handler = source.handler

        def run(event: dict[str, Any], context: Any) -> Any:
            counted.update(["lambda", *(["sqs"] if isinstance(source, SqsEventSource) else [])])
            return handler(event, context)

        return run

    for source in bench.sources:
        source.handler = counting(source)
    try:
        yield counted
    finally:
        for source in bench.sources:
            source.handler = originals[id(source)]


def dollars(calls: Counter[str], units: dict[str, float], lambdas: int, seconds: float) -> float:
    s3_put = sum(n for op, n in calls.items() if op in ("s3.PutObject", "s3.CopyObject", "s3.ListObjectsV2"))
    s3_get = sum(n for op, n in calls.items() if op in ("s3.GetObject", "s3.HeadObject"))
    sqs = sum(n for op, n in calls.items() if op.startswith("sqs."))
    return (
        units.get("dynamodb.WRU", 0) * PRICE["dynamodb.WRU"]
        + units.get("dynamodb.RRU", 0) * PRICE["dynamodb.RRU"]
        + s3_put * PRICE["s3.put"]
        + s3_get * PRICE["s3.get"]
        + sqs * PRICE["sqs.request"]
        + lambdas * PRICE["lambda.request"]
        + seconds * GB * PRICE["lambda.gb_second_arm64"]
    )


def bundles(bench: Bench) -> int:
    listed = bench.session.client("s3").list_objects_v2(
        Bucket=bench.outputs["UploadsBucketName"], Prefix="imports/"
    )
    return int(listed.get("KeyCount", 0))


def sqs_requests(invoked: Counter[str], notified: int) -> Counter[str]:
    """The SQS requests our clients do not make: S3's notification of each upload (a SendMessage), and
    Lambda's poller's ReceiveMessage and DeleteMessageBatch of each batch it invokes a function with."""
    return Counter(
        {"sqs.SendMessage (S3)": notified, "sqs.ReceiveMessage+Delete (Lambda)": 2 * invoked["sqs"]}
    )


def measure(files: int = FILES) -> dict[str, Any]:
    with moto_stack() as bench, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "ag"
        singles = [folder / name for name in sorted(corpus.write_files(folder, files + SINGLES))[files:]]
        singles = [path.rename(Path(scratch) / path.name) for path in singles]
        table = ContentTable(bench.outputs["ContentTableName"])
        importer = Importer(
            UploadBucket(bench.outputs["UploadsBucketName"]),
            table,
            folder,
            workers=4,
            on_progress=lambda _: None,
            wait=lambda: bench.drain("IngestFunction"),
        )
        bench.calls.clear()
        s3 = bench.session.client("s3")  # the editor's upload (counted below, as the importer's uploads are)

        def import_all() -> None:
            importer.run(600)
            bench.drain()

        def publish_each() -> None:
            for path in singles:
                uploads = bench.outputs["UploadsBucketName"]
                s3.put_object(Bucket=uploads, Key=f"inbox/{path.name}", Body=path.read_bytes())
                bench.drain()

        with invocations(bench) as invoked:
            _, import_seconds = timed(import_all)
        imported = (
            Counter(bench.calls.counts) + sqs_requests(invoked, notified=bundles(bench)),
            dict(bench.calls.units),
            invoked["lambda"],
        )
        bench.calls.clear()
        with invocations(bench) as invoked:
            _, single_seconds = timed(publish_each)
        single = (
            Counter(bench.calls.counts)
            + Counter({"s3.PutObject": len(singles)})
            + sqs_requests(invoked, notified=len(singles)),
            dict(bench.calls.units),
            invoked["lambda"],
        )
        published = sum(1 for _ in table.articles.all_articles())
    return {
        "published": published,
        "import": (*imported, import_seconds),
        "single": (*single, single_seconds),
    }


def run(files: int = FILES) -> list[Row]:
    m = measure(files)
    calls, units, lambdas, seconds = m["import"]
    single_calls, single_units, single_lambdas, single_seconds = m["single"]
    scale = CORPUS / files
    per_single = 1 / SINGLES
    import_cost = dollars(calls, units, lambdas, seconds) * scale
    singles_cost = dollars(single_calls, single_units, single_lambdas, single_seconds) * per_single * CORPUS

    def requests(counted: Counter[str], factor: float) -> str:
        by_service = Counter({op.split(".")[0]: 0 for op in counted})
        for op, n in counted.items():
            by_service[op.split(".")[0]] += n
        return ", ".join(f"{service} {n * factor:,.0f}" for service, n in sorted(by_service.items()))

    return [
        Row(
            f"an import of {CORPUS:,} AG News files (measured on {files:,}, scaled): AWS requests",
            requests(calls, scale),
            f"Lambda invocations {lambdas * scale:,.0f}; {units.get('dynamodb.WRU', 0) * scale:,.0f} WRU, "
            f"{units.get('dynamodb.RRU', 0) * scale:,.0f} RRU",
        ),
        Row(
            f"  {CORPUS:,} single publishes (mean of {SINGLES} into that archive): AWS requests",
            requests(single_calls, per_single * CORPUS),
            f"Lambda invocations {single_lambdas * per_single * CORPUS:,.0f}; "
            f"{single_units.get('dynamodb.WRU', 0) * per_single * CORPUS:,.0f} WRU, "
            f"{single_units.get('dynamodb.RRU', 0) * per_single * CORPUS:,.0f} RRU",
        ),
        Row(
            "  cost at us-east-1 list prices: the import / the single publishes",
            f"${import_cost:.2f} / ${singles_cost:.2f}",
            f"{singles_cost / import_cost:.1f}x cheaper in one import"
            if import_cost
            else "the import cost nothing?",
        ),
    ]
