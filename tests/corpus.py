"""The AG News corpus (`../shared/corpora/ag_news_test.csv`) as article files, for imports and benchmarks.

Where the shared corpus is not present (a clone on its own), its first 400 rows, kept in tests/data, stand
in. Each row becomes a Markdown upload with its title and description, section "News" and no tags: the
class label is what related-article quality is measured against, so it is not given to the system.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora" / "ag_news_test.csv"
SAMPLE = ROOT / "tests" / "data" / "ag_news_sample.csv"
CLASSES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}


def corpus() -> Path:
    return SHARED if SHARED.exists() else SAMPLE


def rows(limit: int | None = None) -> Iterator[tuple[str, str, str]]:
    """(label, title, description) of the first `limit` rows (all if None)."""
    with corpus().open(encoding="utf-8", newline="") as source:
        for n, row in enumerate(csv.DictReader(source)):
            if n == limit:
                return
            yield row["label"], row["title"], row["description"].replace("\\", " ")


def markdown(title: str, body: str) -> str:
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f'---\ntitle: "{quoted}"\nsection: News\n---\n{body}\n'


def write_files(directory: Path, limit: int | None = None) -> dict[str, str]:
    """Write rows as `ag-00001.md`, ...; file name -> class label."""
    directory.mkdir(parents=True, exist_ok=True)
    labels = {}
    for n, (label, title, body) in enumerate(rows(limit), 1):
        name = f"ag-{n:05d}.md"
        (directory / name).write_text(markdown(title, body), encoding="utf-8")
        labels[name] = label
    return labels
