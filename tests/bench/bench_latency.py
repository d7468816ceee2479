"""Publish to feed on the local stack (`make run`'s code; moto in its child process): from the S3 upload until
GET /feeds/rss.xml over HTTP carries the article. 20 publishes, one at a time, into an empty archive and
into one of 10,000 articles (preloaded before the stack's pollers start). The clock runs on the client's
side: upload, then poll the feed every 10 ms.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import threading
import time
from typing import Any

import boto3

from tests.bench.bench_publish import SECTIONS, TAGS, archive_items
from tests.bench.harness import FIGURES, Row, free_port

PUBLISHES = 20


def _feed(port: int) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/feeds/rss.xml")
        return connection.getresponse().read()
    finally:
        connection.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(archive: int) -> list[float]:
    import uvicorn
    from infra.event_sources import load_attribute
    from infra.local_stack import LocalStack
    from infra.web import local_site

    from newsfeed.dal.public import PublicBucket

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    stack = LocalStack(port=free_port(), aws_port=free_port())

    def prepare(resources: Any) -> None:
        assert stack.aws is not None
        stack.aws.preload(resources.outputs["ContentTableName"], archive_items(archive))

    latencies: list[float] = []
    quiet = contextlib.redirect_stdout(io.StringIO())  # Powertools flushes metrics every 100, disabled or not
    with quiet, stack.running(prepare) as resources:
        api = load_attribute(resources.functions["ApiFunction"].handler.rsplit(".", 1)[0] + ".app")
        site = local_site(api, PublicBucket(resources.outputs["PublicBucketName"]))
        server = uvicorn.Server(
            uvicorn.Config(site, host="127.0.0.1", port=stack.port, log_level="error", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        from newsfeed.observability import logger

        logger.setLevel("ERROR")
        while not server.started:
            time.sleep(0.01)
        s3 = boto3.session.Session().client("s3")
        bucket = resources.outputs["UploadsBucketName"]
        for n in range(PUBLISHES + 1):  # the first one warms up imports and clients
            marker = f"latency-probe-{archive}-{n}"
            body = (
                f"---\ntitle: Latency probe {n}\nslug: {marker}\nsection: {SECTIONS[n % len(SECTIONS)]}\n"
                f"tags: [{TAGS[n % len(TAGS)]}]\n---\nHow long until the feed has this?\n"
            )
            start = time.perf_counter()
            s3.put_object(Bucket=bucket, Key=f"inbox/{marker}.md", Body=body.encode())
            while marker.encode() not in _feed(stack.port):
                if time.perf_counter() - start > 30:
                    raise TimeoutError(f"{marker} never reached the feed")
                time.sleep(0.01)
            if n:
                latencies.append(time.perf_counter() - start)
            time.sleep(0.5)  # one publish at a time: let the other formats and the sitemap finish first
        server.should_exit = True
        thread.join(timeout=5)
    return latencies


def run(archives: tuple[int, ...] = (0, 10_000)) -> list[Row]:
    rows = [Row(f"publish -> /feeds/rss.xml on the local stack, {PUBLISHES} publishes", "", "")]
    for archive in archives:
        latencies = measure(archive)
        p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
        FIGURES.setdefault("latency", {})[archive] = (p50, p95)
        rows.append(
            Row(
                f"  archive of {archive:,}",
                f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
                "target p50 <= 1000 ms, p95 <= 2000 ms",
            )
        )
    return rows
