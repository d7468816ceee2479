"""The site as readers meet it on `make run`'s port: every link a feed carries leads to the article's page;
takedowns and moved slugs are followed; the front page and the not-found page."""

from __future__ import annotations

import html
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from tests.support.factories import markdown
from tests.support.local import Running, eventually, free_port, get, start_local_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site() -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port())
    yield running
    running.process.kill()
    running.process.wait()


def head(url: str) -> tuple[int, dict[str, str], bytes]:
    """One GET without following redirects: status, headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def every_feed(site: Running) -> list[str]:
    urls, cursor = [], ""
    while True:
        page = json.loads(get(f"{site.api}/feeds?limit=100{cursor}")[1])
        urls += [item["rss"] for item in page["items"]]
        if not page.get("next"):
            return urls
        cursor = f"&cursor={page['next']['cursor']}"


def test_every_item_link_of_every_feed_answers_with_its_page(site: Running) -> None:
    feeds = every_feed(site)
    assert len(feeds) > 5  # the site, the samples' sections and tags
    checked = 0
    for feed_url in feeds:
        for entry in feedparser.parse(get(feed_url)[1]).entries:
            status, headers, body = head(entry.link)
            assert status == 200, entry.link
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert f"<h1>{html.escape(entry.title, quote=False)}</h1>" in body.decode()
            checked += 1
    assert checked > 10


def test_the_front_page_and_the_not_found_page(site: Running) -> None:
    status, headers, body = head(f"{site.base}/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Kazakh leader offers explanation for crisis" in body
    status, headers, body = head(f"{site.base}/articles/no-such-story")
    assert status == 404 and b"Page not found" in body


def test_a_takedown_leaves_no_page_and_no_listing(site: Running, tmp_path: Path) -> None:
    path = tmp_path / "short-lived.md"
    path.write_text(markdown(title="Short lived", section="Metro", tags="[Ephemera]"))
    assert site.cli("publish", str(path)).returncode == 0
    page = f"{site.base}/articles/short-lived"
    eventually(lambda: head(page)[0] == 200)
    assert site.cli("unpublish", "short-lived").returncode == 0
    eventually(lambda: head(page)[0] == 404)
    for listing in ("/", "/sections/metro", "/tags/ephemera"):
        assert b"short-lived" not in head(site.base + listing)[2], listing


def test_a_moved_slug_answers_301_to_the_new_page(site: Running, tmp_path: Path) -> None:
    path = tmp_path / "ferry.md"
    path.write_text(markdown(title="Ferry to Aktau", section="Metro", slug="ferry"))
    assert site.cli("publish", str(path)).returncode == 0
    path.write_text(markdown(title="Ferry to Aktau", section="Metro", slug="ferry-to-aktau"))
    assert site.cli("publish", str(path)).returncode == 0
    eventually(lambda: head(f"{site.base}/articles/ferry")[0] == 301)
    headers = head(f"{site.base}/articles/ferry")[1]
    assert headers["location"] == f"{site.base}/articles/ferry-to-aktau"
    assert head(headers["location"])[0] == 200
