"""The local stack keeps what it is given: stopped with Ctrl-C and started again on the same data folder,
it has the same articles, revisions, feeds (bytes and ETags), related lists and schedule; a state it cannot
read is refused and left alone; starting over takes a typed yes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from tests.support import ROOT
from tests.support.factories import markdown
from tests.support.local import (
    Running,
    eventually,
    every_feed_is_its_scopes_newest,
    free_port,
    get,
    settled,
    start_local_stack,
)

pytestmark = pytest.mark.e2e
WORDS = "Caspian ferry Aktau Baku passenger crossing port terminal route sailing schedule"


def head(url: str) -> tuple[bytes, str]:
    with urlopen(Request(url), timeout=10) as response:
        return response.read(), response.headers["ETag"]


def observed(site: Running) -> dict[str, object]:
    """What readers and apps see: every feed (bytes and ETag), the articles, revisions and related lists."""
    feeds = json.loads(get(f"{site.api}/feeds?limit=100")[1])["items"]
    seen: dict[str, object] = {url: head(url) for f in feeds for url in (f["rss"], f["atom"], f["json"])}
    for slug in ("ferry-to-baku", "ferry-terminal"):
        for suffix in ("", "/revisions", "/related"):
            seen[slug + suffix] = get(f"{site.api}/articles/{slug}{suffix}")
        seen[f"page {slug}"] = get(f"{site.base}/articles/{slug}")
    seen["sections"] = get(f"{site.api}/sections")
    return seen


def stop_with_ctrl_c(site: Running) -> str:
    site.process.send_signal(signal.SIGINT)
    out, _ = site.process.communicate(timeout=120)
    assert site.process.returncode == 0, out
    return out


def test_a_stack_stopped_with_ctrl_c_starts_again_with_everything(tmp_path: Path) -> None:
    ports, data = (free_port(), free_port()), tmp_path / "data"
    first = start_local_stack(*ports, data=data)
    try:
        story = tmp_path / "ferry.md"
        story.write_text(
            markdown(title="Ferry to Baku", section="Transport", slug="ferry-to-baku", body=WORDS)
        )
        assert first.cli("publish", str(story)).returncode == 0
        story.write_text(
            markdown(
                title="Ferry to Baku", section="Transport", slug="ferry-to-baku", body=WORDS + " resumes"
            )
        )
        assert first.cli("publish", str(story)).returncode == 0  # a correction: revision 2
        other = tmp_path / "terminal.md"
        other.write_text(
            markdown(title="Ferry terminal", section="Transport", slug="ferry-terminal", body=WORDS)
        )
        assert first.cli("publish", str(other)).returncode == 0
        due = (datetime.now(UTC) + timedelta(seconds=45)).replace(microsecond=0)
        later = tmp_path / "later.md"
        later.write_text(
            markdown(
                title="Ferry timetable", section="Transport", slug="timetable", published_at=due.isoformat()
            )
        )
        assert first.cli("publish", str(later)).returncode == 0
        related = f"{first.api}/articles/ferry-to-baku/related"
        eventually(lambda: json.loads(get(related)[1])["items"], 30, "no related list within 30 s")
        before = settled(partial(observed, first), 60)
        assert json.loads(before["ferry-to-baku/revisions"][1])["items"][0]["revision"] == 2  # type: ignore[index]
    finally:
        out = stop_with_ctrl_c(first)
    assert "newsfeed stopped." in out

    second = start_local_stack(*ports, data=data)
    try:
        assert observed(second) == before
        assert get(f"{second.api}/articles/timetable")[0] == 404  # still scheduled
        eventually(lambda: get(f"{second.api}/articles/timetable")[0] == 200, 90, "never published")
        eventually(
            partial(every_feed_is_its_scopes_newest, second.api),
            30,
            "the feeds did not take the scheduled article in",
        )
    finally:
        stop_with_ctrl_c(second)


def run_stack(data: Path, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--port",
            str(free_port()),
            "--aws-port",
            str(free_port()),
            "--data",
            str(data),
            *args,
        ],
        cwd=ROOT,
        input=answer,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_state_it_cannot_read_is_refused_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for content, says in (
        (b"not a saved state\n", "is damaged"),
        (b'{"format": 1, "moto": "0.0", "python": "3.0"}\n\x80\x04junk', "newsfeed export"),
    ):
        (data / "state.bin").write_bytes(content)
        result = run_stack(data)
        assert result.returncode == 3, result.stdout + result.stderr
        assert f"saved state {data / 'state.bin'}" in result.stderr and says in result.stderr
        assert "Traceback" not in result.stderr
        assert (data / "state.bin").read_bytes() == content


def test_starting_over_takes_a_typed_yes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from infra.local_state import start_over

    data = tmp_path / "data"
    data.mkdir()
    (data / "state.bin").write_bytes(b"kept")
    refused = run_stack(data, "--fresh", answer="no\n")
    assert refused.returncode == 1 and "Nothing was deleted." in refused.stdout
    assert (data / "state.bin").read_bytes() == b"kept"
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert start_over(data) and not data.exists()


def test_an_export_carries_over_into_a_fresh_stack_with_nothing_refused(tmp_path: Path) -> None:
    """The README's way to a new stack: `newsfeed export DIR`, `make run FRESH=1` (which publishes the samples
    again), `newsfeed import DIR`: every article arrives, a corrected sample keeps its correction, and
    exporting again gives the same files."""
    data, exported, again = tmp_path / "data", tmp_path / "export", tmp_path / "again"
    port, aws_port = free_port(), free_port()
    old = start_local_stack(port, aws_port, data=data)
    try:
        eventually(lambda: "published:     5 articles" in old.cli("status").stdout, 30)
        sample = tmp_path / "almaty-metro-extension.md"  # a correction of a sample, by its file name
        sample.write_text((ROOT / "events" / "articles" / sample.name).read_text() + "\nUpdated on Friday.\n")
        ferry = tmp_path / "ferry.md"
        ferry.write_text(markdown(title="Caspian ferry route reopens", section="Transport", body=WORDS))
        assert old.cli("publish", str(sample), str(ferry)).returncode == 0
        assert old.cli("export", str(exported)).returncode == 0
    finally:
        old.process.send_signal(signal.SIGINT)
        old.process.wait(timeout=60)
    shutil.rmtree(data)  # what `make run FRESH=1` does once the user types yes
    fresh = start_local_stack(port, aws_port, data=data)
    try:
        eventually(lambda: "published:     5 articles" in fresh.cli("status").stdout, 30)
        imported = fresh.cli("import", str(exported))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert "7 files" not in imported.stdout and "6 files in" in imported.stdout
        assert "6 accepted, 0 rejected" in imported.stdout
        assert "stale" not in imported.stdout
        assert "published:     6 articles" in fresh.cli("status").stdout
        slug = json.loads((exported / "almaty-metro-extension.json").read_text())["slug"]
        assert "Updated on Friday." in json.loads(get(f"{fresh.api}/articles/{slug}")[1])["body"]
        assert fresh.cli("export", str(again)).returncode == 0
        names = sorted(
            p.relative_to(exported).as_posix()
            for p in exported.rglob("*")
            if p.is_file() and p.name != ".newsfeed-import.json"
        )
        assert "photos/coffee.png" in names  # the paper-straws sample's photo, as it was sent
        assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
        for name in names:
            assert (exported / name).read_bytes() == (again / name).read_bytes(), name
    finally:
        fresh.process.kill()
        fresh.process.wait()
