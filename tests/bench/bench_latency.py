"""Publish to feed and to page on the local stack (`make run`'s code; moto in its child process): from the
S3 upload until GET /feeds/rss.xml over HTTP carries the article, and until GET /articles/<slug> answers.
20 publishes, one at a time, into an empty archive and into one of 10,000 articles (preloaded before the
stack's pollers start). The clock runs on the client's side: upload, then poll every 10 ms.
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

from tests.bench.bench_publish import archive_items
from tests.bench.harness import FIGURES, Row
from tests.support.factories import SECTIONS, TAGS
from tests.support.local import free_port

PUBLISHES = 20


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(archive: int) -> tuple[list[float], list[float]]:
    """Seconds from upload to the feed, and to the article's page, of each publish."""
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

    to_feed: list[float] = []
    to_page: list[float] = []
    quiet = contextlib.redirect_stdout(io.StringIO())  # Powertools flushes metrics every 100, disabled or not
    with quiet, stack.running(prepare) as resources:
        api = load_attribute(resources.functions["ApiFunction"].handler.rsplit(".", 1)[0] + ".app")
        site = local_site(
            api, PublicBucket(resources.outputs["PublicBucketName"]), resources.outputs["SiteUrl"]
        )
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
            feed = page = None
            while feed is None or page is None:
                if time.perf_counter() - start > 30:
                    raise TimeoutError(f"{marker} never reached the feed and its page")
                if feed is None and marker.encode() in _get(stack.port, "/feeds/rss.xml")[1]:
                    feed = time.perf_counter() - start
                if page is None and _get(stack.port, f"/articles/{marker}")[0] == 200:
                    page = time.perf_counter() - start
                time.sleep(0.01)
            if n:
                to_feed.append(feed)
                to_page.append(page)
            time.sleep(0.5)  # one publish at a time: let the other formats and the sitemap finish first
        server.should_exit = True
        thread.join(timeout=5)
    return to_feed, to_page


def run(archives: tuple[int, ...] = (0, 10_000)) -> list[Row]:
    rows = [Row(f"publish -> feed and page on the local stack, {PUBLISHES} publishes", "", "")]
    for archive in archives:
        to_feed, to_page = measure(archive)
        p50, p95 = _percentile(to_feed, 0.5), _percentile(to_feed, 0.95)
        FIGURES.setdefault("latency", {})[archive] = (p50, p95)
        rows.append(
            Row(
                f"  archive of {archive:,}: /feeds/rss.xml",
                f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
                "target p50 <= 1000 ms, p95 <= 2000 ms",
            )
        )
        p50, p95 = _percentile(to_page, 0.5), _percentile(to_page, 0.95)
        rows.append(
            Row(
                f"  archive of {archive:,}: /articles/<slug>",
                f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
                "target p50 <= 1000 ms",
            )
        )
    return rows
