"""The site's pages through the whole pipeline (upload -> ingest -> stream -> publisher, related lists):
written on publish, following corrections, related lists, moves and takedowns, and nothing else."""

from __future__ import annotations

from typing import Any

from newsfeed.dal.public import PublicBucket
from tests.support.factories import markdown
from tests.support.moto import Stack

SITE = "https://kazpost.example"


def page(stack: Stack, path: str) -> Any:
    return PublicBucket(stack.public, stack.s3).read(path)


def text(stack: Stack, path: str) -> str:
    file = page(stack, path)
    assert file is not None, f"no {path}"
    assert file.content_type == "text/html; charset=utf-8"
    return str(file.body.decode())


def test_a_publish_writes_its_page_and_its_scopes_pages(stack: Stack) -> None:
    stack.put("budget.md", markdown(title="Budget <approved>", section="World", tags="[Economy, Asia]"))
    stack.drain()
    article = text(stack, "articles/budget-approved")
    assert "<h1>Budget &lt;approved&gt;</h1>" in article
    assert f'<link rel="canonical" href="{SITE}/articles/budget-approved">' in article
    for listing in ("index.html", "sections/world", "tags/economy", "tags/asia"):
        assert f'href="{SITE}/articles/budget-approved"' in text(stack, listing), listing
    assert "Page not found" in text(stack, "404.html")
    assert page(stack, "logo.svg").content_type == "image/svg+xml"


def test_a_correction_shows_on_the_page_and_an_unchanged_upload_writes_nothing(stack: Stack) -> None:
    stack.put("a.md", markdown(title="Ferry", section="World", slug="ferry"))
    stack.drain()
    before = page(stack, "articles/ferry")
    stack.put("a.md", markdown(title="Ferry", section="World", slug="ferry"))
    stack.drain()
    assert page(stack, "articles/ferry").etag == before.etag
    stack.put("a.md", markdown(title="Ferry", section="World", slug="ferry", body="Corrected body."))
    stack.drain()
    corrected = text(stack, "articles/ferry")
    assert "Corrected body." in corrected and "Updated <time" in corrected


def test_a_takedown_removes_the_page_and_every_listing_of_it(stack: Stack) -> None:
    stack.put("a.md", markdown(title="Stays", section="World", tags="[Economy]"))
    stack.put("b.md", markdown(title="Goes", section="World", tags="[Economy]"))
    stack.drain()
    assert "Goes" in text(stack, "tags/economy")
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/b.md")
    stack.drain()
    assert page(stack, "articles/goes") is None
    for listing in ("index.html", "sections/world", "tags/economy"):
        assert "articles/goes" not in text(stack, listing) and "articles/stays" in text(stack, listing)


def test_a_moved_slug_leaves_a_redirect_to_the_new_page(stack: Stack) -> None:
    stack.put("a.md", markdown(title="Ferry", section="World", slug="ferry"))
    stack.drain()
    stack.put("a.md", markdown(title="Ferry", section="World", slug="ferry-to-aktau"))
    stack.drain()
    old = page(stack, "articles/ferry")
    assert old.redirect == f"{SITE}/articles/ferry-to-aktau"
    assert "<h1>Ferry</h1>" in text(stack, "articles/ferry-to-aktau")
    assert 'articles/ferry"' not in text(stack, "sections/world")


def test_a_related_list_that_changes_reaches_the_page(stack: Stack) -> None:
    words = "Almaty metro line extension opens with new stations and trains for commuters"
    stack.put("a.md", markdown(title="Metro line opens", section="City", body=words))
    stack.drain()
    assert "Related articles" not in text(stack, "articles/metro-line-opens")
    stack.put("b.md", markdown(title="Metro stations and trains", section="City", body=words + " today"))
    stack.drain()
    first = text(stack, "articles/metro-line-opens")
    assert "Related articles" in first and f'href="{SITE}/articles/metro-stations-and-trains"' in first


def test_older_articles_have_pages_of_their_own(stack: Stack, monkeypatch: Any) -> None:
    from newsfeed.handlers import publisher

    monkeypatch.setattr(publisher.publisher().book, "page_size", 3)  # archive pages, as the feeds' (50)
    monkeypatch.setattr(publisher.publisher(), "items", 2)  # the front page's newest, as the feeds' (50)
    for n in range(4):
        stack.put(
            f"s{n}.md",
            markdown(title=f"Story {n}", section="World", published_at=f"2024-01-0{n + 1}T00:00:00Z"),
        )
        stack.drain()
    front = text(stack, "sections/world")
    assert f'<a href="{SITE}/sections/world/archive/0" rel="next">Older articles</a>' in front
    assert "Story 3" in front and "Story 2" in front and "Story 1" not in front
    archive = text(stack, "sections/world/archive/0")  # stories 0 to 2, but for the front page's
    assert archive.count('class="card"') == 2 and "Story 2" not in archive and "Story 0" in archive
    assert f'<a href="{SITE}/sections/world" rel="prev">Newer articles</a>' in archive


def crawl(stack: Stack, start: str) -> list[tuple[str, list[str]]]:
    """Follow "Older articles" from a scope's page: (the page's path, the slugs it lists, in order) each,
    checking on the way that each page's title names the archive number of its URL."""
    import re

    pages: list[tuple[str, list[str]]] = []
    path: str | None = start
    seen: set[str] = set()
    while path is not None:
        assert path not in seen, f"the older links loop at {path}"
        seen.add(path)
        html = text(stack, path)
        title = re.search(r"<title>(.*?)</title>", html)
        assert title is not None
        number = re.search(r"(?:^|/)archive/(\d+)$", path)
        assert ("(archive" in title[1]) == bool(number), (path, title[1])
        if number:
            assert f"(archive {number[1]})" in title[1], (path, title[1])
        pages.append((path, re.findall(rf'<h2><a href="{SITE}/articles/([^"]+)">', html)))
        older = re.search(r'<a href="([^"]+)" rel="next">', html)
        path = older[1].removeprefix(SITE + "/") if older else None
    return pages


def test_older_links_reach_every_article_once_in_order(stack: Stack, monkeypatch: Any) -> None:
    """With archive pages of 4 and a front page of 6: whatever has been published, unpublished and published
    late, the front page's "older" links reach each published article exactly once; published one after
    another, newest first all the way down."""
    import random

    from newsfeed.handlers import publisher

    monkeypatch.setattr(publisher.publisher().book, "page_size", 4)
    monkeypatch.setattr(publisher.publisher(), "items", 6)
    shuffle = random.Random(27)  # noqa: S311 - a fixed order, not a secret
    published: dict[str, int] = {}
    for n in range(23):
        stack.put(
            f"s{n}.md",
            markdown(
                title=f"Story {n}",
                section="World" if n % 3 else "Sport",
                published_at=f"2024-01-{n + 1:02d}T00:00:00Z",
            ),
        )
        published[f"story-{n}"] = n
        if shuffle.random() < 0.5:
            stack.drain()
            slugs = [s for _, listed in crawl(stack, "index.html") for s in listed]
            assert slugs == sorted(published, key=published.__getitem__, reverse=True)
    stack.drain()
    for gone in ("s3.md", "s20.md", "s21.md"):  # takedowns, in the archive and on the front page
        stack.s3.delete_object(Bucket=stack.uploads, Key=f"inbox/{gone}")
        del published[f"story-{gone[1:-3]}"]
    stack.put("late.md", markdown(title="Story late", section="World", published_at="2023-12-01T00:00:00Z"))
    published["story-late"] = -1
    stack.drain()
    pages = crawl(stack, "index.html")
    slugs = [s for _, listed in pages for s in listed]
    assert sorted(slugs) == sorted(published) and len(slugs) == len(set(slugs))
    assert all(listed for _, listed in pages), [(p, len(listed)) for p, listed in pages]  # none empty
    world = [s for _, listed in crawl(stack, "sections/world") for s in listed]
    assert sorted(world) == sorted(s for s, n in published.items() if n % 3 or n == -1)
    assert len(world) == len(set(world))
