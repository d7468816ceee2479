"""The local stack's kept state: restart-to-ready with 0 and 10,000 articles saved, and the longest time a
save holds requests back during a burst of publishes.

- Restart: a stack is filled (for 10,000: the articles' items preloaded into the table, and a page of the
  usual size for each in the public bucket, as an import leaves them), stopped, and `python -m
  infra.local_stack --data DIR` started again; ready is when GET /api/health answers.
- Pause: 200 uploads at once into a stack keeping its state, while a reader times GetItems (the API's one
  read) against moto; beside the same burst into a stack keeping nothing, in the same run. moto's own count
  of the longest snapshot pause is printed too.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from tests.bench.bench_publish import archive_items
from tests.bench.harness import Row
from tests.support import ROOT
from tests.support.factories import SECTIONS, TAGS
from tests.support.local import free_port

PAGE = b"<!doctype html>" + b"x" * 10_000  # the size of the seed article's page
BURST = 200


def _fill(data: Path, articles: int) -> int:
    """A stack keeping its state in `data`, holding `articles` articles and their pages; the state's bytes."""
    from infra.local_stack import LocalStack

    stack = LocalStack(port=free_port(), aws_port=free_port(), data=data)

    def prepare(resources: Any) -> None:
        assert stack.aws is not None
        stack.aws.preload(resources.outputs["ContentTableName"], archive_items(articles))
        s3 = boto3.session.Session().client("s3")
        bucket = resources.outputs["PublicBucketName"]
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda n: s3.put_object(Bucket=bucket, Key=f"articles/archived-story-{n}", Body=PAGE),
                    range(articles),
                )
            )

    with contextlib.redirect_stdout(io.StringIO()), stack.running(prepare):
        pass
    return (data / "state.bin").stat().st_size


def _ready_seconds(data: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--port",
            str(port),
            "--aws-port",
            str(free_port()),
            "--data",
            str(data),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    return time.perf_counter() - started
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > 120:
                    raise RuntimeError("the local stack did not come up") from None
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=300)


def _burst(data: Path | None) -> tuple[float, float]:
    """(the longest GetItem during a burst of uploads, moto's longest snapshot pause), in seconds."""
    from infra.event_sources import wait_until_idle
    from infra.local_stack import LocalStack

    stack = LocalStack(port=free_port(), aws_port=free_port(), data=data)
    longest = 0.0
    with contextlib.redirect_stdout(io.StringIO()), stack.running() as resources:
        session = boto3.session.Session()
        dynamodb, s3 = session.client("dynamodb"), session.client("s3")
        table, done = resources.outputs["ContentTableName"], threading.Event()

        def read() -> None:
            nonlocal longest
            while not done.is_set():
                start = time.perf_counter()
                dynamodb.get_item(
                    TableName=table, Key={"pk": {"S": "article#burst-story-0"}, "sk": {"S": "article"}}
                )
                longest = max(longest, time.perf_counter() - start)

        reader = threading.Thread(target=read)
        reader.start()
        for n in range(BURST):
            front = f"title: Burst story {n}\nsection: {SECTIONS[n % 4]}\ntags: [{TAGS[n % 8]}]"
            body = f"---\n{front}\n---\nStory {n}.\n"
            s3.put_object(
                Bucket=resources.outputs["UploadsBucketName"], Key=f"inbox/burst-{n}.md", Body=body.encode()
            )
        wait_until_idle(stack.active, timeout=600)
        done.set()
        reader.join()
        assert stack.aws is not None
        paused = stack.aws.longest_pause()
    return longest, paused


def run(sizes: tuple[int, ...] = (0, 10_000)) -> list[Row]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    rows = [Row("local stack: restart to ready (GET /api/health)", "", "target <= 15 s with 10,000")]
    for articles in sizes:
        with tempfile.TemporaryDirectory() as folder:
            size = _fill(Path(folder), articles)
            rows.append(
                Row(
                    f"  {articles:,} articles saved ({size / 2**20:.0f} MiB)",
                    f"{_ready_seconds(Path(folder)):.1f} s",
                    "",
                )
            )
    with tempfile.TemporaryDirectory() as folder:
        kept, paused = _burst(Path(folder))
    unkept, _ = _burst(None)
    rows.append(
        Row(
            f"  burst of {BURST} uploads: longest GetItem",
            f"{kept * 1000:.0f} ms keeping state (snapshot pause {paused * 1000:.0f} ms)",
            f"{unkept * 1000:.0f} ms keeping nothing",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
