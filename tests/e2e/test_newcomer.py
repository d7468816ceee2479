"""What a newcomer tripped on (issue 19), on a real local stack on ports of its own: a corrected title keeps
the article's URL; an article published again after a takedown shows it was updated; local feeds carry
Last-Modified and answer If-Modified-Since."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.support.factories import markdown
from tests.support.local import Running, eventually, free_port, get, start_local_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site() -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port(), "--no-samples")
    yield running
    running.process.kill()
    running.process.wait()


def test_a_corrected_title_keeps_the_url_readers_have(site: Running, tmp_path: Path) -> None:
    path = tmp_path / "ferry.md"
    path.write_text(markdown(title="Ferry resumes", section="Transport"))
    assert site.cli("publish", str(path)).stdout.strip() == f"published: {site.base}/articles/ferry-resumes"
    path.write_text(markdown(title="Ferry service to Baku resumes", section="Transport"))
    again = site.cli("publish", str(path))
    assert again.stdout.strip() == f"published: {site.base}/articles/ferry-resumes", again.stdout
    article = json.loads(get(f"{site.api}/articles/ferry-resumes")[1])
    assert (article["title"], article["revision"]) == ("Ferry service to Baku resumes", 2)
    assert get(f"{site.api}/articles/ferry-service-to-baku-resumes")[0] == 404
    eventually(
        lambda: b"<h1>Ferry service to Baku resumes</h1>" in get(f"{site.base}/articles/ferry-resumes")[1]
    )
    # Only a `slug:` in the file moves an article.
    path.write_text(markdown(title="Ferry service to Baku resumes", section="Transport", slug="baku-ferry"))
    assert site.cli("publish", str(path)).stdout.strip() == f"published: {site.base}/articles/baku-ferry"
    connection = http.client.HTTPConnection("127.0.0.1", int(site.base.rsplit(":", 1)[1]), timeout=5)
    for suffix in ("", "/related", "/revisions"):  # an API redirect stays in the API
        connection.request("GET", f"/api/articles/ferry-resumes{suffix}")
        response = connection.getresponse()
        response.read()
        assert (response.status, response.headers["location"]) == (301, f"/api/articles/baku-ferry{suffix}")
        assert get(f"{site.base}{response.headers['location']}")[0] == 200


def test_published_again_after_a_takedown_is_an_update(site: Running, tmp_path: Path) -> None:
    path = tmp_path / "comeback.md"
    path.write_text(markdown(title="Comeback story", section="Metro", published_at="2024-03-29T10:00:00Z"))
    assert site.cli("publish", str(path)).returncode == 0
    first = json.loads(get(f"{site.api}/articles/comeback-story")[1])
    assert first["updated_at"] == first["published_at"] == "2024-03-29T10:00:00.000Z"
    assert site.cli("unpublish", "comeback-story").returncode == 0
    assert site.cli("publish", str(path)).returncode == 0
    back = json.loads(get(f"{site.api}/articles/comeback-story")[1])
    assert back["revision"] == 2 and back["published_at"] == first["published_at"]
    assert back["updated_at"] > first["updated_at"]

    def in_feed() -> bool:
        entries = feedparser.parse(get(f"{site.base}/feeds/sections/metro/atom.xml")[1]).entries
        return any(e.title == "Comeback story" and e.updated == back["updated_at"] for e in entries)

    eventually(in_feed)


def test_local_feeds_carry_last_modified_and_answer_if_modified_since(site: Running, tmp_path: Path) -> None:
    path = tmp_path / "news.md"
    path.write_text(markdown(title="Any news", section="Metro"))
    assert site.cli("publish", str(path)).returncode == 0
    url = f"{site.base}/feeds/rss.xml"
    eventually(lambda: b"Any news" in get(url)[1])  # the feed as this publish left it
    with urllib.request.urlopen(url, timeout=5) as response:
        last_modified = response.headers["Last-Modified"]
    assert last_modified.endswith(" GMT")
    request = urllib.request.Request(url, headers={"If-Modified-Since": last_modified})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=5)
    assert answer.value.code == 304 and answer.value.headers["Last-Modified"] == last_modified
    older = urllib.request.Request(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    with urllib.request.urlopen(older, timeout=5) as response:
        assert response.status == 200


def test_unpublish_says_removed_only_once_it_is_and_an_emptied_tag_goes_away(
    site: Running, tmp_path: Path
) -> None:
    path = tmp_path / "brief.md"
    path.write_text(markdown(title="A brief item", section="Metro", tags="[Fleeting]"))
    assert site.cli("publish", str(path)).returncode == 0
    tag_feed = f"{site.base}/feeds/tags/fleeting/atom.xml"
    eventually(lambda: b"A brief item" in get(tag_feed)[1])
    feeds = [f"{site.base}/feeds/{p}" for p in ("rss.xml", "atom.xml", "sections/metro/feed.json")]
    taken = site.cli("unpublish", "a-brief-item")
    assert taken.returncode == 0 and "removed from every feed" in taken.stdout
    for url in feeds:  # at once, as the command said
        assert b"A brief item" not in get(url)[1], url
    assert get(f"{site.base}/articles/a-brief-item")[0] == 404
    # The tag had only that article: it leaves the list of feeds, and its feeds and page answer 404
    # rather than stay empty with an update time of 1970.
    assert get(tag_feed)[0] == 404 and get(f"{site.base}/tags/fleeting")[0] == 404
    listed = json.loads(get(f"{site.api}/feeds?limit=100")[1])["items"]
    assert "fleeting" not in {item.get("slug") for item in listed}


def test_a_different_story_in_a_file_of_the_same_name_never_replaces_one(
    site: Running, tmp_path: Path
) -> None:
    ferry = tmp_path / "caspian.md"  # (ferry.md is another story of this stack)
    ferry_body = (
        "The first passenger ferry in two years left Aktau for Baku on Saturday morning, the port said."
    )
    ferry.write_text(markdown(title="Caspian ferry route reopens", section="Transport", body=ferry_body))
    url = f"{site.base}/articles/caspian-ferry-route-reopens"
    assert site.cli("publish", str(ferry)).stdout.strip() == f"published: {url}"
    other = tmp_path / "other" / "caspian.md"  # another editor's story, the same file name
    other.parent.mkdir()
    budget_body = "Parliament approved the 2025 budget on Thursday, raising spending on schools and roads."
    other.write_text(markdown(title="Astana budget approved", section="Economy", body=budget_body))
    refused = site.cli("publish", str(other))
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"rejected: {other}\n")
    assert "inbox/caspian.md already holds another article, 'Caspian ferry route reopens'" in refused.stdout
    assert "add `slug: caspian-ferry-route-reopens` to this file" in refused.stdout
    story = json.loads(get(f"{site.api}/articles/caspian-ferry-route-reopens")[1])
    assert (story["title"], story["section"], story["revision"]) == (
        "Caspian ferry route reopens",
        "Transport",
        1,
    )
    # Under a file name of its own, it is an article of its own.
    other.rename(other.with_name("budget.md"))
    assert site.cli("publish", str(other.with_name("budget.md"))).stdout.strip() == (
        f"published: {site.base}/articles/astana-budget-approved"
    )
    # A real correction of the first is still one: same URL, next revision.
    ferry.write_text(
        markdown(
            title="Caspian ferry route to Baku reopens", section="Transport", body=ferry_body + " Updated."
        )
    )
    assert site.cli("publish", str(ferry)).stdout.strip() == f"published: {url}"
    story = json.loads(get(f"{site.api}/articles/caspian-ferry-route-reopens")[1])
    assert (story["title"], story["revision"]) == ("Caspian ferry route to Baku reopens", 2)
