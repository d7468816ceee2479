"""What publishers know: a static-site generator that rebuilds everything when one article is added.

A Hugo site of N posts (front matter with title, date, section and tags, a body of news length, minimal
list and single layouts, 50 items per RSS feed like ours), plus one new post, is built from scratch:
`hugo --quiet`, median of 3. Hugo renders every page and every feed again, so its time grows with the
archive; ours (one publish) does not. Skipped, with a note, when `hugo` (Debian package `hugo`) is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.bench.harness import FIGURES, Row, median
from tests.support.factories import SECTIONS, TAGS

CONFIG = """baseURL = "https://kazpost.example/"
title = "KazPost"
languageCode = "en"
disableKinds = ["robotsTXT", "sitemap"]
[services.rss]
limit = 50
[taxonomies]
tag = "tags"
"""
LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html><body>{{ block "main" . }}{{ end }}</body></html>\n',
    "_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n',
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>'
        '{{ range first 50 .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}\n'
    ),
}
BODY = "Archived story, with a body of some length. " + "Words of the news. " * 30


def hugo() -> str | None:
    return shutil.which("hugo")


def version() -> str:
    out = subprocess.run([hugo() or "hugo", "version"], capture_output=True, text=True, check=True).stdout
    return out.split()[1] if out else "?"


def _post(n: int) -> tuple[str, str]:
    section = SECTIONS[n % len(SECTIONS)].lower().replace(" ", "-")
    tags = sorted({TAGS[n % len(TAGS)], TAGS[(n * 7) % len(TAGS)]})
    minutes = n % 60
    hours = (n // 60) % 24
    day = 1 + (n // 1440) % 28
    month = 1 + (n // 40320) % 12
    return (
        f'---\ntitle: "Archived story {n}"\ndate: 2024-{month:02}-{day:02}T{hours:02}:{minutes:02}:00Z\n'
        f"tags: {tags}\n---\n{BODY}\n"
    ), section


def build_time(posts: int, runs: int = 3) -> float:
    """Median seconds of a full `hugo` build of `posts` posts plus one new one."""
    with tempfile.TemporaryDirectory(prefix="newsfeed-hugo-") as folder:
        root = Path(folder)
        (root / "hugo.toml").write_text(CONFIG)
        for name, text in LAYOUTS.items():
            path = root / "layouts" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for n in range(posts + 1):  # the last one is the new article
            text, section = _post(n)
            folder_of = root / "content" / section
            folder_of.mkdir(parents=True, exist_ok=True)
            (folder_of / f"story-{n}.md").write_text(text)
        times = []
        for _ in range(runs):
            shutil.rmtree(root / "public", ignore_errors=True)
            start = time.perf_counter()
            subprocess.run(
                [hugo() or "hugo", "--quiet", "--source", str(root)], check=True, capture_output=True
            )
            times.append(time.perf_counter() - start)
            if not (root / "public" / "index.xml").exists():
                raise AssertionError("hugo built no RSS feed")
        return median(times)


def run(sizes: tuple[int, ...] = (200, 2_000, 10_000, 20_000)) -> list[Row]:
    if hugo() is None:
        return [Row("Hugo full rebuild", "skipped", "hugo is not installed (Debian package `hugo`)")]
    times = {size: build_time(size) for size in sizes}
    FIGURES["hugo"] = times
    rows = [Row(f"Hugo {version()} full build after one new post (median of 3)", "", "")]
    rows += [Row(f"  {size:>6,} posts", f"{seconds * 1000:.0f} ms", "") for size, seconds in times.items()]
    ours = FIGURES.get("latency", {}).get(10_000)
    if ours is not None and 10_000 in times:
        rows.append(
            Row(
                "  updated RSS, archive of 10,000: ours vs Hugo",
                f"{ours[0] * 1000:.0f} ms (local stack p50)",
                f"Hugo {times[10_000] * 1000:.0f} ms: {times[10_000] / ours[0]:.0f}x longer",
            )
        )
    return rows
