"""Breaking news never waits: while `newsfeed import` of thousands of files runs on the local stack, a live
publish reaches the API, the site feed and its page, and an unpublish leaves all of them, within bounds; once
the import is written, every feed is its scope's newest and every page is there and current."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from tests.support import ROOT, corpus
from tests.support.factories import markdown
from tests.support.local import all_slugs, every_feed_is_its_scopes_newest, free_port, get, start_local_stack

pytestmark = pytest.mark.e2e

FILES = 2_000  # "a few thousand": a tenth of a minute's wire for a large newsroom, three of AG News's four
PUBLISH_SECONDS = (
    5.0  # live upload -> API, site RSS and page (on the quiet stack: under 1 s; CI shares 2 CPUs)
)
TAKEDOWN_SECONDS = 5.0  # delete -> 410 in the API, out of the site RSS, page 404


def seconds_until(check: Callable[[], bool], limit: float) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, f"not within {limit} s"
        time.sleep(0.05)  # the interval between two looks
    return time.monotonic() - start


def test_live_work_is_written_within_seconds_during_an_import_and_the_import_completely(
    tmp_path: Path,
) -> None:
    stack = start_local_stack(free_port(), free_port(), "--no-samples")
    try:
        corpus.write_files(tmp_path / "ag", FILES)
        s3 = boto3.client(
            "s3",
            endpoint_url=stack.aws,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        uploads = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "-uploads-" in b["Name"])
        importing = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsfeed.cli",
                "import",
                str(tmp_path / "ag"),
                "--endpoint-url",
                stack.aws,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        seconds_until(lambda: len(json.loads(get(f"{stack.api}/articles?limit=100")[1])["items"]) >= 100, 120)
        rss = f"{stack.base}/feeds/rss.xml"
        for n in range(3):
            slug = f"breaking-{n}"
            body = markdown(title=f"Breaking {n} during the import", slug=slug, section="Metro")
            s3.put_object(Bucket=uploads, Key=f"inbox/{slug}.md", Body=body.encode())
            for shows in (
                lambda s=slug: get(f"{stack.api}/articles/{s}")[0] == 200,
                lambda s=slug: s.encode() in get(rss)[1],
                lambda s=slug: get(f"{stack.base}/articles/{s}")[0] == 200,
            ):
                seconds_until(shows, PUBLISH_SECONDS)
            assert importing.poll() is None, "the import ended before the live work was measured"
        s3.delete_object(Bucket=uploads, Key="inbox/breaking-0.md")
        seconds_until(
            lambda: (
                get(f"{stack.api}/articles/breaking-0")[0] == 410
                and b"breaking-0" not in get(rss)[1]
                and get(f"{stack.base}/articles/breaking-0")[0] == 404
            ),
            TAKEDOWN_SECONDS,
        )
        assert importing.poll() is None, "the import ended before the takedown was measured"

        out, _ = importing.communicate(timeout=1200)
        assert "pages and feeds: all written" in out, out
        assert every_feed_is_its_scopes_newest(stack.api)
        slugs = all_slugs(stack.api)
        assert len(slugs) >= FILES * 0.99 and "breaking-0" not in slugs
        for slug in slugs:  # every page there, with its headline and its final related list
            article = json.loads(get(f"{stack.api}/articles/{slug}")[1])
            status, page = get(f"{stack.base}/articles/{slug}")
            assert status == 200, slug
            text = page.decode()
            assert html.escape(article["title"], quote=False) in text, slug
            assert all(f"/articles/{card['slug']}" in text for card in article["related"]), slug
    finally:
        stack.process.terminate()
        stack.process.wait(timeout=60)
