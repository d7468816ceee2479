"""A burst: 200 articles uploaded at once into an archive of 200. How often is each feed file rewritten?

Without coalescing, every publish would rewrite every feed it touches (200 rewrites of the site feed in
each format). The publisher regenerates each touched scope once per batch of stream records (up to 100,
as the template says), so the rewrites per file are what counts. Driven by the local stack's event
sources with the template's batch sizes.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from typing import Any

from tests.bench.bench_publish import populate
from tests.bench.harness import Row, moto_stack
from tests.support.factories import SECTIONS, TAGS

BURST = 200


def measure() -> dict[str, Any]:
    with moto_stack() as bench:
        populate(bench, 200)
        bench.forget_history()
        from newsfeed.dal import clients

        writes: Counter[str] = Counter()

        def count(params: dict[str, Any], **_: Any) -> None:
            if params["Bucket"] == bench.outputs["PublicBucketName"]:
                writes[params["Key"]] += 1

        clients.s3().meta.events.register("provide-client-params.s3.PutObject", count)
        s3 = bench.session.client("s3")
        for n in range(BURST):
            body = (
                f"---\ntitle: Burst story {n}\nsection: {SECTIONS[n % len(SECTIONS)]}\n"
                f"tags: [{TAGS[n % len(TAGS)]}]\n---\nStory {n} of a burst.\n"
            )
            s3.put_object(
                Bucket=bench.outputs["UploadsBucketName"], Key=f"inbox/burst-{n}.md", Body=body.encode()
            )
        with contextlib.redirect_stdout(
            io.StringIO()
        ):  # Powertools flushes metrics every 100, disabled or not
            bench.drain()
        feeds = {key: n for key, n in writes.items() if key.startswith("feeds/")}
        site = {key: n for key, n in feeds.items() if key.count("/") == 1}
        return {"feeds": feeds, "site": site, "all": sum(writes.values())}


def run() -> list[Row]:
    m = measure()
    feeds, site = m["feeds"], m["site"]
    per_file = sum(feeds.values()) / len(feeds)
    return [
        Row(f"burst of {BURST} publishes (archive of 200)", "", ""),
        Row("  feed files rewritten", f"{len(feeds)}", f"{sum(feeds.values())} S3 writes in all"),
        Row(
            "  S3 writes per affected feed file",
            f"mean {per_file:.1f}, max {max(feeds.values())}",
            f"site feeds: {max(site.values())} each (without coalescing: {BURST})",
        ),
    ]
