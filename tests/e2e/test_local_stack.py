"""The local stack as a user meets it: `python -m infra.local_stack` in a subprocess, the CLI, plain HTTP."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra.web import MAX_REQUEST_HEAD_BYTES as MAX_HEAD

from newsfeed.logic.slugs import slugify
from tests.support import ROOT
from tests.support.factories import markdown
from tests.support.local import Running, eventually, free_port, get, newsfeed, start_local_stack

pytestmark = pytest.mark.e2e
SCHEMA = json.loads((ROOT / "tests" / "data" / "jsonfeed-1.1.schema.json").read_text())


@pytest.fixture(scope="module")
def local_stack() -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port())
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_the_samples_are_published_on_start(local_stack: Running) -> None:
    status, body = get(f"{local_stack.api}/articles")
    assert status == 200
    slugs = [a["slug"] for a in json.loads(body)["items"]]
    assert "kazakh-leader-offers-explanation-for-crisis" in slugs
    article = json.loads(get(f"{local_stack.api}/articles/kazakh-leader-offers-explanation-for-crisis")[1])
    assert article["section"] == "Kazakhstan News"
    assert "Tokayev" in article["body"]


def test_published_is_printed_once_the_page_and_every_feed_show_it(
    local_stack: Running, tmp_path: Path
) -> None:
    """What `newsfeed publish` prints is true when printed: the page, the API and the feeds of every scope
    show this revision. How soon is measured by `make bench` (the publish latency rows)."""
    path = tmp_path / "e2e-story.md"
    for title in ("End to end story", "End to end story, corrected"):
        path.write_text(markdown(title=title, tags="[E2E]", slug="end-to-end-story"), encoding="utf-8")
        result = local_stack.cli("publish", str(path))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == f"published: {local_stack.base}/articles/end-to-end-story"
        assert title in json.loads(get(f"{local_stack.api}/articles/end-to-end-story")[1])["title"]
        assert title.encode() in get(f"{local_stack.base}/articles/end-to-end-story")[1]
        for scope in ("", "/tags/e2e"):
            for feed in ("rss.xml", "atom.xml", "feed.json"):
                assert title.encode() in get(f"{local_stack.base}/feeds{scope}/{feed}")[1], (scope, feed)

    rss = feedparser.parse(get(f"{local_stack.base}/feeds/rss.xml")[1])
    assert rss.bozo == 0
    jsonschema.validate(json.loads(get(f"{local_stack.base}/feeds/feed.json")[1]), SCHEMA)


def test_status_and_unpublish_take_an_article_out_of_the_api_and_every_feed(
    local_stack: Running, tmp_path: Path
) -> None:
    path = tmp_path / "takedown.md"
    path.write_text(markdown(title="Story to take down", tags="[Takedown]"), encoding="utf-8")
    assert local_stack.cli("publish", str(path)).returncode == 0
    slug, tag_feed = "story-to-take-down", f"{local_stack.base}/feeds/tags/takedown/rss.xml"
    shown = local_stack.cli("status", slug)
    assert shown.returncode == 0, shown.stderr
    assert "status:     published" in shown.stdout
    assert "upload:     inbox/takedown.md" in shown.stdout

    def in_feeds() -> bool:
        return b"Story to take down" in get(f"{local_stack.base}/feeds/rss.xml")[1] + get(tag_feed)[1]

    assert in_feeds()  # publish said "published" once every feed showed it

    taken = local_stack.cli("unpublish", slug)
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert taken.stdout.strip().startswith(f"unpublished: {local_stack.api}/articles/{slug}")
    assert get(f"{local_stack.api}/articles/{slug}")[0] == 410
    assert slug.encode() not in get(f"{local_stack.api}/articles?limit=100")[1]
    eventually(lambda: not in_feeds(), 30, "still in a feed after the takedown")
    assert "status:     unpublished (answers 410)" in local_stack.cli("status", slug).stdout
    assert local_stack.cli("unpublish", slug).stdout.startswith("already unpublished")
    again = local_stack.cli("publish", str(path))
    assert again.stdout.strip() == f"published: {local_stack.base}/articles/{slug}", again.stdout
    assert get(f"{local_stack.api}/articles/{slug}")[0] == 200
    missing = local_stack.cli("status", "no-such-story")
    assert (missing.returncode, missing.stdout.strip()) == (1, "no article at 'no-such-story'")


def test_search_finds_a_publish_within_seconds_and_loses_its_takedown(
    local_stack: Running, tmp_path: Path
) -> None:
    path = tmp_path / "findable.md"
    path.write_text(markdown(title="Saiga herds recover", body="Saiga antelopes roam the steppe."))
    assert local_stack.cli("publish", str(path)).returncode == 0
    slug = "saiga-herds-recover"

    def found(query: str) -> list[str]:
        answer = json.loads(get(f"{local_stack.api}/search?q={query}")[1])
        return [item["slug"] for item in answer["items"]]

    eventually(lambda: found("antelope+steppes") == [slug], 10, "not findable 10 s after its publish")
    page = get(f"{local_stack.base}/search?q=antelope")[1].decode()
    assert f'href="{local_stack.base}/articles/{slug}"' in page and "<mark>antelopes</mark>" in page
    assert b'role="search"' in get(f"{local_stack.base}/")[1]  # every page has the box
    assert local_stack.cli("unpublish", slug).returncode == 0
    eventually(lambda: found("antelope") == [], 10, "still found 10 s after its takedown")


def test_rejected_files_exit_non_zero_and_change_nothing(local_stack: Running, tmp_path: Path) -> None:
    before = get(f"{local_stack.base}/feeds/rss.xml")[1]
    no_title = tmp_path / "no-title.md"
    no_title.write_text("---\nsection: World\n---\nBody\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(markdown(title="Café").encode("latin-1"))
    result = local_stack.cli("publish", str(no_title), str(latin1))
    assert result.returncode == 1
    assert f"rejected: {no_title}\n  - title: is required" in result.stdout
    assert f"rejected: {latin1}\n  - file: is not UTF-8 text" in result.stdout
    assert get(f"{local_stack.base}/feeds/rss.xml")[1] == before


def test_every_file_named_gets_a_line_and_one_file_name_is_one_story(
    local_stack: Running, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "twin.md", tmp_path / "b" / "twin.md"
    first.write_text(markdown(title="The first twin story"), encoding="utf-8")
    second.write_text(markdown(title="The second twin story"), encoding="utf-8")
    tabbed = tmp_path / "tab\tname.md"
    tabbed.write_text(markdown(title="A story behind a tab"), encoding="utf-8")
    result = local_stack.cli("publish", str(first), str(second), str(tabbed))
    assert result.returncode == 1
    assert f"published: {local_stack.base}/articles/the-first-twin-story" in result.stdout
    assert f"rejected: {second}\n  - file: has the same file name as {first}" in result.stdout
    assert f"rejected: {tabbed}\n  - file: its name contains the control character U+0009" in result.stdout
    assert get(f"{local_stack.api}/articles/the-second-twin-story")[0] == 404


def test_a_script_is_sanitised(local_stack: Running, tmp_path: Path) -> None:
    path = tmp_path / "script.md"
    path.write_text(
        markdown(title="Script story", body="Hi <script>alert(1)</script> there"), encoding="utf-8"
    )
    assert local_stack.cli("publish", str(path)).returncode == 0
    body = json.loads(get(f"{local_stack.api}/articles/script-story")[1])["body"]
    assert body == "<p>Hi  there</p>"


def test_a_scheduled_article_is_public_only_from_its_time(local_stack: Running, tmp_path: Path) -> None:
    """How soon after its time is measured by `make bench`; here: never before it, and then everywhere."""
    due = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
    path = tmp_path / "scheduled.md"
    path.write_text(markdown(title="A story for later", published_at=due.isoformat(timespec="seconds")))
    result = local_stack.cli("publish", str(path))
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("scheduled for ")
    url = f"{local_stack.api}/articles/a-story-for-later"

    def public() -> bool:
        status, answered = get(url)[0], datetime.now(UTC)
        assert status == 404 or answered >= due, f"public before its time: {status} at {answered}"
        return status == 200

    status = local_stack.cli("status", "a-story-for-later").stdout
    assert "status:     scheduled (not public)" in status or datetime.now(UTC) >= due, status
    eventually(public, 60, "not published after its time")
    eventually(lambda: b"a-story-for-later" in get(f"{local_stack.base}/feeds/rss.xml")[1], 30)


def test_import_shows_progress_and_a_summary_and_export_round_trips(
    local_stack: Running, tmp_path: Path
) -> None:
    from tests.support import corpus

    corpus.write_files(tmp_path / "ag", 150)
    result = local_stack.cli("import", str(tmp_path / "ag"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"150 files in {tmp_path / 'ag'}: 150 accepted, 0 rejected")
    assert "importing: 100%" in result.stderr  # the progress bar
    final = re.search(r"related lists: final for all (\d+) articles", result.stdout)  # then relating's
    assert final and int(final.group(1)) >= 150 and "relating: 100%" in result.stderr, result.stdout
    publication = local_stack.cli("status")
    count = final.group(1)
    assert f"related lists: {count} of {count} (final)" in publication.stdout, publication.stdout
    status, body = get(f"{local_stack.api}/articles/{slugify(next(corpus.rows(1))[1])}")
    assert status == 200, body

    again = local_stack.cli("import", str(tmp_path / "ag"))
    assert "150 were imported by an earlier run and have not changed (skipped)" in again.stdout

    exported = local_stack.cli("export", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    names = {p.name for p in (tmp_path / "out").rglob("*.json") if not p.name.startswith(".")}
    assert {f"ag-{n:05d}.json" for n in range(1, 151)} <= names
    assert exported.stdout.strip() == f"exported {len(names)} articles to {tmp_path / 'out'}"


def test_schemathesis_finds_no_server_error_and_nothing_outside_the_schema(local_stack: Running) -> None:
    """Every route, every check, positive and negative data, against the running stack (samples published)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{local_stack.api}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--seed",
            "20261126",
            "--workers",
            "2",
            "--generation-database",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Selected: 11/11" in result.stdout


def test_the_cli_finds_the_running_stack_on_whatever_ports_it_was_given(local_stack: Running) -> None:
    result = newsfeed("status", "kazakh-leader-offers-explanation-for-crisis", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "status:     published" in result.stdout


def test_cors_is_the_templates_as_api_gateway_applies_it(local_stack: Running) -> None:
    from infra.template import load_template, resources_of_type

    (api,) = resources_of_type(load_template(), "AWS::Serverless::HttpApi").values()
    cors = api["Properties"]["CorsConfiguration"]
    origin = {"Origin": "https://reader.example"}
    request = urllib.request.Request(f"{local_stack.api}/articles", headers=origin)
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
        assert exposed == {h.lower() for h in cors["ExposeHeaders"]}
    preflight = urllib.request.Request(
        f"{local_stack.api}/articles",
        method="OPTIONS",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    with urllib.request.urlopen(preflight, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Max-Age"] == str(cors["MaxAge"])
        assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_a_request_with_200_kb_of_headers_is_answered_431_not_reset(local_stack: Running) -> None:
    host, port = local_stack.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/health", headers={"X-Padding": "a" * 200_000})
    response = connection.getresponse()
    assert (response.status, response.read()) == (431, b"The request's headers are over 16384 bytes.\n")
    assert get(f"{local_stack.api}/health")[0] == 200


def head_status(base: str, head: bytes, pieces: int = 1) -> int:
    """The status a request head sent in `pieces` writes is answered with."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        step = -(-len(head) // pieces)
        for start in range(0, len(head), step):
            connection.sendall(head[start : start + step])
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while b"\r\n" not in answer and (chunk := connection.recv(4096)):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(100, 100_000), pieces=st.sampled_from([1, 1, 3]))
def test_a_request_head_over_16_kb_is_431_however_it_arrives(
    local_stack: Running, size: int, pieces: int
) -> None:
    start = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: "
    head = start + b"a" * max(0, size - len(start) - 4) + b"\r\n\r\n"
    status = head_status(local_stack.base, head, pieces)
    if len(head) > MAX_HEAD + 4:
        assert status == 431
    elif len(head) < MAX_HEAD - 100:
        assert status == 200


def test_a_forged_host_changes_no_url(local_stack: Running) -> None:
    """Links the API builds (next pages, sections, its OpenAPI server) and the pages are the site's own,
    whatever Host or X-Forwarded-* a client sends: a cache would keep and pass on a forged one."""
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}

    def fetch(url: str) -> tuple[bytes, dict[str, str]]:
        with urllib.request.urlopen(urllib.request.Request(url, headers=forged), timeout=10) as response:
            return response.read(), dict(response.headers)

    for path in ("/articles?limit=1", "/sections", "/openapi.json", "/feeds?limit=1"):
        answer, headers = fetch(local_stack.api + path)
        assert b"evil.example" not in answer and "evil.example" not in json.dumps(headers), path
    page, _ = fetch(local_stack.api + "/articles?limit=1")
    listed = json.loads(page)
    assert listed["next"]["url"].startswith(local_stack.api + "/articles?")
    for path in ("/", "/feeds/rss.xml", "/sitemaps/news.xml"):
        answer, headers = fetch(local_stack.base + path)
        assert b"evil.example" not in answer and "evil.example" not in json.dumps(headers), path


def test_pages_and_files_carry_the_security_headers_cloudfront_adds(local_stack: Running) -> None:
    from infra.web import security_headers

    expected = security_headers()
    assert "frame-ancestors 'none'" in expected["Content-Security-Policy"]
    newest = json.loads(get(f"{local_stack.api}/articles?limit=1")[1])["items"][0]["url"]
    for url in (
        local_stack.base + "/",
        local_stack.base + "/feeds/rss.xml",
        local_stack.base + "/nowhere",
        local_stack.base + "/search?q=tokayev",
        newest,
    ):
        request = urllib.request.Request(url)
        try:
            response = urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            assert {name: response.headers[name] for name in expected} == expected, url


def test_a_busy_port_is_a_one_line_error(local_stack: Running) -> None:
    port = local_stack.base.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "infra.local_stack", "--port", port, "--aws-port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: port {port} on 127.0.0.1 is in use; pick another with --port (make run PORT=...)"
    )


def real_photo() -> bytes:
    """A real photograph (Grace Hopper, US Navy, public domain) as matplotlib ships it: 512×600 JPEG."""
    from matplotlib import cbook

    return Path(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))).read_bytes()


def test_an_article_published_with_its_photo_shows_it_in_every_size_and_format(
    local_stack: Running, tmp_path: Path
) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "hopper.jpg").write_bytes(real_photo())
    story = tmp_path / "hopper.md"
    image = "{url: photos/hopper.jpg, alt: Grace Hopper in uniform, credit: US Navy}"
    story.write_text(markdown(title="Computing pioneer remembered", image=image), encoding="utf-8")
    result = local_stack.cli("publish", str(story))
    assert result.returncode == 0, result.stdout + result.stderr
    page = get(f"{local_stack.base}/articles/computing-pioneer-remembered")[1].decode()
    assert '<source type="image/avif"' in page and '<source type="image/webp"' in page
    assert 'width="512" height="600"' in page and "Photo: US Navy" in page
    answer = json.loads(get(f"{local_stack.api}/articles/computing-pioneer-remembered")[1])
    for rendition in answer["image"]["renditions"]:
        request = urllib.request.Request(rendition["url"])
        with urllib.request.urlopen(request, timeout=10) as served:
            assert served.headers["Content-Type"] == rendition["type"]
            assert "immutable" in served.headers["Cache-Control"]
            assert b"Exif" not in served.read()


def test_a_refused_photo_keeps_its_article_back(local_stack: Running, tmp_path: Path) -> None:
    (tmp_path / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    story = tmp_path / "map-story.md"
    story.write_text(markdown(title="Story with a map", image="{url: map.svg}"), encoding="utf-8")
    result = local_stack.cli("publish", str(story))
    assert result.returncode == 1
    assert f"rejected: {story}\n  - image: map.svg was refused: file: is an SVG drawing" in result.stdout
    assert "It was not sent." in result.stdout
    assert get(f"{local_stack.api}/articles/story-with-a-map")[0] == 404


def test_ctrl_c_stops_cleanly(local_stack: Running) -> None:
    """(Last in this module: it stops the module's stack.)"""
    local_stack.process.send_signal(signal.SIGINT)
    output, _ = local_stack.process.communicate(timeout=20)
    assert local_stack.process.returncode == 0, output
    assert "newsfeed stopped." in output
    # The embedded endpoint stops after the pollers: none of them meets it gone.
    for noise in ("Traceback", "ERROR", "Connection refused", "failed"):
        assert noise not in output, output
