"""The AG News corpus (`../shared/corpora/ag_news_test.csv`) as article files, for imports and benchmarks.

Where the shared corpus is not present (a clone on its own), its first 400 rows, kept in tests/data, stand
in. Each row becomes a Markdown upload with its title and description, section "News" and no tags: the
class label is what related-article quality is measured against, so it is not given to the system.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support import ROOT

if TYPE_CHECKING:
    from newsfeed.models.article import Article


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


STORY_ITEMS = 8  # AG News items per long article


def long_rows(limit: int | None = None) -> list[tuple[str, str, str]]:
    """Long articles made of AG News items, for related-article quality on long text: each is STORY_ITEMS
    items of one class (after a fixed shuffle within the class), the first item's title as its title and
    every item's title and description as a paragraph (about 300 words). (label, title, body), in a fixed
    shuffled order; the first `limit` (all if None)."""
    by_class: dict[str, list[tuple[str, str]]] = {}
    for label, title, body in rows():
        by_class.setdefault(label, []).append((title, body))
    shuffle = random.Random(20).shuffle  # noqa: S311 - a fixed order, not a secret
    stories = []
    for label, items in sorted(by_class.items()):
        shuffle(items)
        for start in range(0, len(items) - STORY_ITEMS + 1, STORY_ITEMS):
            group = items[start : start + STORY_ITEMS]
            paragraphs = [group[0][1]] + [f"{title}. {body}" for title, body in group[1:]]
            stories.append((label, group[0][0], "\n\n".join(paragraphs)))
    shuffle(stories)
    return stories[:limit]


def markdown(title: str, body: str) -> str:
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f'---\ntitle: "{quoted}"\nsection: News\n---\n{body}\n'


def as_article(n: int, title: str, body: str, *, at: datetime, name: str = "ag") -> Article:
    """Row `n` as the article its upload becomes (the real parse and build), uploaded at `at`."""
    from newsfeed.logic.articles import build_article
    from newsfeed.logic.parsing import parse_upload

    return build_article(
        parse_upload(f"{name}-{n:05d}.md", markdown(title, body).encode()),
        article_id=f"{n:08d}-0000-4000-8000-000000000000",
        source_key=f"inbox/{name}-{n:05d}.md",
        now=at,
        default_language="en",
        previous=None,
    )


def write_files(directory: Path, limit: int | None = None) -> dict[str, str]:
    """Write rows as `ag-00001.md`, ...; file name -> class label."""
    directory.mkdir(parents=True, exist_ok=True)
    labels = {}
    for n, (label, title, body) in enumerate(rows(limit), 1):
        name = f"ag-{n:05d}.md"
        (directory / name).write_text(markdown(title, body), encoding="utf-8")
        labels[name] = label
    return labels


def ag_articles(count: int) -> list[Article]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        as_article(n, title, body, at=start + timedelta(minutes=n))
        for n, (_, title, body) in enumerate(rows(count))
    ]
