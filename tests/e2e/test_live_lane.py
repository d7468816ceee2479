"""Breaking news never waits: while `newsfeed import` of thousands of files runs on the local stack, a live
publish reaches the API, the site feed and its page, and an unpublish leaves all of them, within bounds; once
the import is written, every feed is its scope's newest and every page is there and current."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import ROOT, corpus
from tests.support.factories import markdown
from tests.support.local import (
    all_slugs,
    every_feed_is_its_scopes_newest,
    free_port,
    get,
    keep_reading,
    start_local_stack,
)

pytestmark = pytest.mark.e2e

FILES = 2_000  # "a few thousand": AG News's first 2,000
# From the upload (or the delete) until the API, the site RSS and the page all show it: the bounds this test
# holds on a 2-CPU machine that every function, moto and the import share. They are far above the targets
# (p50 1 s, p95 2 s, which `python -m tests.bench lanes` measures): a takedown's page has taken 9 to 30 s to
# go during an import there (its feeds a few seconds), not yet explained.
PUBLISH_SECONDS = 30.0
TAKEDOWN_SECONDS = 60.0


def answers(url: str, status: int) -> Callable[[], bool]:
    return lambda: get(url)[0] == status


def within(limit: float, since: float, *checks: Callable[[], bool]) -> None:
    """Each check comes true within `limit` seconds of `since` (a time.monotonic())."""
    for n, check in enumerate(checks):
        while not check():
            assert time.monotonic() - since < limit, f"check {n} not within {limit} s"
            time.sleep(0.05)  # the interval between two looks


def test_live_work_is_written_within_seconds_during_an_import_and_the_import_completely(
    tmp_path: Path,
) -> None:
    stack = start_local_stack(free_port(), free_port(), "--no-samples")
    keep_reading(stack, tmp_path / "stack.log")
    try:
        files = corpus.write_files(tmp_path / "ag", FILES)  # (400 in a clone without ../shared)
        s3, uploads = stack.uploads()
        importing = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsfeed.cli",
                "import",
                str(tmp_path / "ag"),
                "--endpoint-url",
                stack.aws,
                "--timeout",  # the related lists of 2,000 land in one batch: a minute or two with no progress
                "600",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        within(
            120,
            time.monotonic(),
            lambda: len(json.loads(get(f"{stack.api}/articles?limit=100")[1])["items"]) >= 100,
        )
        rss = f"{stack.base}/feeds/rss.xml"
        for n in range(3):
            slug = f"breaking-{n}"
            body = markdown(title=f"Breaking {n} during the import", slug=slug, section="Metro")
            sent = time.monotonic()
            s3.put_object(Bucket=uploads, Key=f"inbox/{slug}.md", Body=body.encode())
            within(
                PUBLISH_SECONDS,
                sent,
                answers(f"{stack.api}/articles/{slug}", 200),
                lambda: slug.encode() in get(rss)[1],  # noqa: B023 - called before the loop moves on
                answers(f"{stack.base}/articles/{slug}", 200),
            )
            assert importing.poll() is None, "the import ended before the live work was measured"
        sent = time.monotonic()
        s3.delete_object(Bucket=uploads, Key="inbox/breaking-0.md")
        within(
            TAKEDOWN_SECONDS,
            sent,
            answers(f"{stack.api}/articles/breaking-0", 410),
            lambda: b"breaking-0" not in get(rss)[1],
            answers(f"{stack.base}/articles/breaking-0", 404),
        )
        assert importing.poll() is None, "the import ended before the takedown was measured"

        out, _ = importing.communicate(timeout=1200)
        assert "pages and feeds: all written" in out, out
        assert every_feed_is_its_scopes_newest(stack.api)
        slugs = all_slugs(stack.api)
        assert len(slugs) >= len(files) * 0.99 and "breaking-0" not in slugs
        for slug in slugs:  # every page there, with its headline and its final related list
            article = json.loads(get(f"{stack.api}/articles/{slug}")[1])
            status, page = get(f"{stack.base}/articles/{slug}")
            assert status == 200, slug
            text = page.decode()
            headline = re.search(r"<h1>(.*?)</h1>", text, re.S)
            assert headline and html.unescape(headline.group(1)) == article["title"], slug
            related = json.loads(get(f"{stack.api}/articles/{slug}/related?limit=20")[1])["items"]
            assert all(f"/articles/{card['slug']}" in text for card in related), slug
    finally:
        stack.process.terminate()
        stack.process.wait(timeout=60)
