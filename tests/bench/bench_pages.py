"""The seed article's page as a reader's browser receives it: HTML with its inlined stylesheet (no other
request but the lead image and the icon), raw and gzip-compressed (CloudFront compresses text)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from newsfeed.logic.articles import build_article
from newsfeed.logic.parsing import parse_upload
from newsfeed.logic.site.pages import render_article_page
from tests.bench.harness import Row
from tests.support.factories import SITE

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "articles"
SEED = SAMPLES / "kazakh-leader-offers-explanation-for-crisis.md"


def run() -> list[Row]:
    site = SITE
    parsed = parse_upload(SEED.name, SEED.read_bytes())
    now = datetime(2024, 3, 30, tzinfo=UTC)
    article = build_article(
        parsed, article_id="1", source_key="inbox/seed.md", now=now, default_language="en", previous=None
    )
    page = render_article_page(site, article)
    return [
        Row(
            "seed article page: HTML + CSS (one file)",
            f"{len(page) / 1024:.1f} KB, {len(gzip.compress(page, 9)) / 1024:.1f} KB gzipped",
            "target <= 30 KB",
        )
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
