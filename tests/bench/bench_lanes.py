"""Live work during bulk work: `newsfeed import` of the AG News corpus (7,600 files) into a local stack
(its own process, as `make run` starts it), while live uploads go to the inbox one after another. Each is
timed from its upload until the site RSS lists it and until its page answers 200; every third one is then
deleted and timed until the API answers 410, the site RSS no longer lists it and its page answers 404.
Probes run during the import and in the minute after it; then the time until the bulk lane has written every
page and feed of the import (the command says "pages and feeds: all written"), beside the import's own time.

The corpus is real news text (titles and short bodies); the probes are short articles in one section. The
local stack runs every function in one process against one moto server on this machine's CPUs: on AWS each
invocation has its own sandbox (see docs/operating.md for the lanes' sizing there).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.harness import FIGURES, Row
from tests.support import ROOT, corpus
from tests.support.local import Running, free_port, get, keep_reading, start_local_stack

PROBE_LIMIT_SECONDS = 120.0  # a probe not seen by then counts as missed
AFTER_SECONDS = 60.0  # probes go on this long after the import command ends
PAUSE_SECONDS = 2.0  # between probes


@dataclass
class Probes:
    rss: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    down: list[float] = field(default_factory=list)
    missed: int = 0


def until(check: Callable[[], bool], since: float) -> float | None:
    while time.monotonic() - since < PROBE_LIMIT_SECONDS:
        if check():
            return time.monotonic() - since
        time.sleep(0.05)  # the interval between two looks
    return None


def probe(stack: Running, s3: Any, uploads: str, slug: str, probes: Probes, *, takedown: bool) -> None:
    """Upload one short article and time it into the site RSS and onto its page; then, if `takedown`, delete
    it and time it out of the API, the site RSS and its page."""
    rss = f"{stack.base}/feeds/rss.xml"
    body = f"---\ntitle: Live probe {slug}\nslug: {slug}\nsection: Metro\n---\nBreaking.\n"
    sent = time.monotonic()
    s3.put_object(Bucket=uploads, Key=f"inbox/{slug}.md", Body=body.encode())
    seen = until(lambda: slug.encode() in get(rss)[1], sent)
    shown = until(lambda: get(f"{stack.base}/articles/{slug}")[0] == 200, sent)
    for figures, value in ((probes.rss, seen), (probes.page, shown)):
        if value is not None:
            figures.append(value)
    probes.missed += (seen is None) + (shown is None)
    if not takedown:
        print(f"{slug}: site RSS {seen}, page {shown}", file=sys.stderr, flush=True)  # a run is long
        return
    sent = time.monotonic()
    s3.delete_object(Bucket=uploads, Key=f"inbox/{slug}.md")
    gone = until(
        lambda: (
            get(f"{stack.api}/articles/{slug}")[0] == 410
            and slug.encode() not in get(rss)[1]
            and get(f"{stack.base}/articles/{slug}")[0] == 404
        ),
        sent,
    )
    if gone is not None:
        probes.down.append(gone)
    probes.missed += gone is None
    print(f"{slug}: site RSS {seen}, page {shown}, gone {gone}", file=sys.stderr, flush=True)


def measure(limit: int | None = None) -> dict[str, object]:
    stack = start_local_stack(free_port(), free_port(), "--no-samples")
    keep_reading(stack, Path(tempfile.gettempdir()) / "bench-lanes-stack.log")
    during, after = Probes(), Probes()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            files = corpus.write_files(Path(scratch) / "ag", limit)
            s3, uploads = stack.uploads()
            start = time.monotonic()
            command = [sys.executable, "-m", "newsfeed.cli", "import", str(Path(scratch) / "ag")]
            importing = subprocess.Popen(
                [*command, "--endpoint-url", stack.aws, "--timeout", "600"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            imported_at: float | None = None
            n = 0
            while (
                importing.poll() is None
                or imported_at is None
                or time.monotonic() - imported_at < AFTER_SECONDS
            ):
                if imported_at is None and importing.poll() is not None:
                    imported_at = time.monotonic()
                probes = during if imported_at is None else after
                n += 1
                probe(stack, s3, uploads, f"live-probe-{n}", probes, takedown=n % 3 == 0)
                time.sleep(PAUSE_SECONDS)  # probes come as a newsroom's would, not back to back
            output, _ = importing.communicate(timeout=3600)
            written = time.monotonic() - start
    finally:
        stack.process.terminate()
        stack.process.wait(timeout=60)
    # The import's own time: until every file has its verdict, as the command reports it ("(63.8 s)"); the
    # command itself goes on to follow the related lists and the pages.
    stored = re.search(r"articles/s \(([\d.]+) s\)", output)
    import_seconds = float(stored.group(1)) if stored else (imported_at or time.monotonic()) - start
    return {
        "files": len(files),
        "during": during,
        "after": after,
        "import": import_seconds,
        "written": written if "pages and feeds: all written" in output else None,
        "summary": output.splitlines()[0] if output else "",
    }


def quantiles(values: list[float]) -> str:
    if not values:
        return "none seen"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s (n={len(ordered)})"


def run(limit: int | None = None) -> list[Row]:
    m = measure(limit)
    during, after = m["during"], m["after"]
    assert isinstance(during, Probes) and isinstance(after, Probes)
    target = "target p50 <= 1 s, p95 <= 2 s"
    import_seconds = float(m["import"])  # type: ignore[arg-type]
    written = m["written"]
    FIGURES["lanes"] = {"rss_p50_during": statistics.median(during.rss) if during.rss else 0.0}
    ratio = (
        f"{float(written) / import_seconds:.1f}x the import"
        if isinstance(written, float)
        else "NOT all written"
    )
    return [
        Row(
            f"live lane during `newsfeed import` of {m['files']:,} AG News files: upload -> site RSS",
            quantiles(during.rss),
            f"{target}; missed {during.missed}",
        ),
        Row("  upload -> its page", quantiles(during.page), target),
        Row("  takedown -> 410, out of the site RSS, page 404", quantiles(during.down), "target p95 <= 2 s"),
        Row(
            "  in the minute after the import: upload -> site RSS",
            quantiles(after.rss),
            f"{target}; missed {after.missed}",
        ),
        Row("  in the minute after the import: upload -> its page", quantiles(after.page), target),
        Row(
            "  every page and feed of the import written",
            f"{written:.0f} s" if isinstance(written, float) else "-",
            f"the import itself {import_seconds:.0f} s: {ratio} (target <= 2x)",
        ),
    ]
