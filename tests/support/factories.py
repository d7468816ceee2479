"""Building articles and uploads for tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from newsfeed.logic.slugs import slugify
from newsfeed.models.article import Article
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.site import Site

SITE = Site(
    name="KazPost",
    url="https://kazpost.example",
    description="News from Kazakhstan and the world.",
    language="en",
    feeds_url="https://feeds.kazpost.example",
)
EPOCH = datetime(2024, 3, 29, 4, 0, tzinfo=UTC)


def article(n: int = 0, **overrides: Any) -> Article:
    title = overrides.pop("title", f"Article number {n}")
    section = overrides.pop("section", "Kazakhstan News")
    tags = list({slugify(t): t for t in reversed(overrides.pop("tags", ["Politics"]))}.values())[::-1]
    published = overrides.pop("published_at", EPOCH - timedelta(hours=n))
    values: dict[str, Any] = {
        "id": str(uuid.UUID(int=n + 1)),
        "slug": slugify(title) or f"article-{n}",
        "title": title,
        "body": f"<p>Body of article {n}.</p>",
        "summary": f"Summary of article {n}.",
        "section": section,
        "section_slug": slugify(section),
        "tags": tags,
        "tag_slugs": [slugify(t) for t in tags],
        "authors": ["KazPost staff"],
        "author_slugs": ["kazpost-staff"],
        "published_at": published,
        "updated_at": overrides.pop("updated_at", published),
        "status": ArticleStatus.PUBLISHED,
        "language": "en",
        "content_hash": f"hash-{n}",
        "source_key": f"inbox/article-{n}.md",
    }
    values.update(overrides)
    if "authors" in overrides and "author_slugs" not in overrides:
        authors = {slugify(a): a for a in reversed(values["authors"])}
        values["authors"], values["author_slugs"] = list(authors.values())[::-1], list(authors)[::-1]
    return Article.model_validate(values)


def markdown(title: str = "Kazakh leader offers explanation for crisis", **fields: Any) -> str:
    front = {"title": title, "section": "Kazakhstan News", **fields}
    body = front.pop("body", "Kazakh President Kassym-Jomart Tokayev has explained the crisis.")
    lines = [f"{key}: {value}" for key, value in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + str(body) + "\n"


SECTIONS = [f"Section {n}" for n in range(4)]  # so that every feed a publish touches is full (50 items)


TAGS = [f"Tag {n}" for n in range(8)]  # even with 200 articles: flat cost means full feeds in both cases


START = datetime(2024, 1, 1, tzinfo=UTC)


def archived_article(n: int) -> Article:
    section = SECTIONS[n % len(SECTIONS)]
    tags = list(dict.fromkeys([TAGS[n % len(TAGS)], TAGS[(n * 7) % len(TAGS)]]))
    return Article(
        id=str(uuid.UUID(int=n + 1)),
        slug=f"archived-story-{n}",
        title=f"Archived story {n}",
        body=f"<p>Archived story {n}, with a body of some length. " + "Words " * 60 + "</p>",
        summary=f"Archived story {n}.",
        section=section,
        section_slug=section.lower().replace(" ", "-"),
        tags=tags,
        tag_slugs=[t.lower().replace(" ", "-") for t in tags],
        authors=["KazPost staff"],
        author_slugs=["kazpost-staff"],
        published_at=START + timedelta(minutes=n),
        updated_at=START + timedelta(minutes=n),
        status=ArticleStatus.PUBLISHED,
        language="en",
        content_hash=f"h{n}",
        source_key=f"inbox/archived-{n}.md",
    )
