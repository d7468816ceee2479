"""The local stack killed and started again, and run in a time zone east of Greenwich: what an editor's
import and schedule make of it (each test starts its own `python -m infra.local_stack`). What a stack keeps
across a stop is tests/e2e/test_persistence.py's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from tests.support import ROOT, corpus
from tests.support.factories import markdown
from tests.support.local import (
    Running,
    all_slugs,
    eventually,
    every_feed_is_its_scopes_newest,
    free_port,
    get,
    start_local_stack,
)

pytestmark = pytest.mark.e2e


def stop(running: Running) -> None:
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


def test_an_import_killed_with_its_stack_completes_when_run_again(
    ports: tuple[int, int], tmp_path: Path
) -> None:
    total = len(corpus.write_files(tmp_path, 600))  # (400 where only the sample in tests/data is at hand)
    data = tmp_path.parent / f"{tmp_path.name}-data"
    first = start_local_stack(*ports, "--no-samples", data=data)
    command = [sys.executable, "-m", "newsfeed.cli", "import", str(tmp_path), "--endpoint-url", first.aws]
    importing = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        eventually(
            lambda: json.loads(get(f"{first.api}/articles?limit=1")[1])["items"], 60, "nothing was imported"
        )
        first.process.send_signal(signal.SIGKILL)  # mid-import: some bundles applied, others not
        first.process.wait()
        out, err = importing.communicate(timeout=120)
    finally:
        stop(first)
        importing.kill()
    assert importing.returncode == 2, out + err
    assert "Traceback" not in err
    assert "error: the stack 'newsfeed-local' stopped answering" in err

    second = start_local_stack(*ports, "--no-samples", data=data)  # from what the killed stack had saved
    try:
        again = subprocess.run(
            [*command[:-1], second.aws], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert again.returncode in (0, 1), again.stdout + again.stderr  # 1: AG News repeats a few titles
        summary = again.stdout.splitlines()[0]
        accepted = int(summary.split(": ")[1].split(" accepted")[0])
        assert summary.startswith(
            f"{total} files in {tmp_path}: {accepted} accepted, {total - accepted} rejected"
        )
        assert "timed out" not in again.stdout and "skipped" not in again.stdout
        slugs = all_slugs(second.api)
        assert len(slugs) == len(set(slugs)) == accepted > total - 10
        caught_up = partial(every_feed_is_its_scopes_newest, second.api)  # once the publisher has caught up
        eventually(caught_up, 180, "the feeds did not catch up within 180 s")
    finally:
        stop(second)


def test_scheduling_and_dates_do_not_depend_on_the_hosts_time_zone(
    ports: tuple[int, int], tmp_path: Path
) -> None:
    running = start_local_stack(*ports, "--no-samples", env={"TZ": "Asia/Almaty"})
    try:
        due = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
        later = tmp_path / "later.md"
        later.write_text(markdown(title="Due in an hour", published_at=due.isoformat()), encoding="utf-8")
        now = tmp_path / "now.md"
        now.write_text(markdown(title="Undated story"), encoding="utf-8")
        before = datetime.now(UTC)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsfeed.cli",
                "publish",
                str(later),
                str(now),
                "--endpoint-url",
                running.aws,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "scheduled for" in result.stdout, result.stdout
        assert get(f"{running.api}/articles/due-in-an-hour")[0] == 404
        status, body = get(f"{running.api}/articles/undated-story")
        assert status == 200, body
        published = datetime.fromisoformat(json.loads(body)["published_at"].replace("Z", "+00:00"))
        assert before - timedelta(seconds=5) <= published <= datetime.now(UTC) + timedelta(seconds=1)
    finally:
        stop(running)


def kill_everything(running: Running) -> None:
    """SIGKILL the stack and its moto server at once, as a crash or a power cut would stop them (killing
    the stack alone lets its server save on its way out)."""
    pid = running.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    running.process.kill()
    running.process.wait()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the moto server through /proc")
def test_a_publish_answered_two_seconds_before_a_kill_9_at_3400_articles_is_kept(
    ports: tuple[int, int], tmp_path: Path
) -> None:
    """At 3,400 articles a snapshot takes seconds to write; what was answered is in the journal before the
    answer is sent, so the crash loses nothing, and the restarted stack finishes what it had begun."""
    data = tmp_path / "data"
    fill = "import sys; from pathlib import Path; from tests.bench.bench_restart import _fill; "
    fill += "print(_fill(Path(sys.argv[1]), 3_400))"
    filled = subprocess.run(  # (in a process of its own: a stack run in this one would set its environment)
        [sys.executable, "-c", fill, str(data)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    assert int(filled.stdout.split()[-1]) > 50_000_000  # bytes of saved state
    first = start_local_stack(*ports, "--no-samples", data=data)
    try:
        story = tmp_path / "kept.md"
        story.write_text(markdown(title="A story answered before the crash", section="World"))
        published = first.cli("publish", str(story))
        assert published.returncode == 0, published.stdout + published.stderr
        time.sleep(2)  # the case: answered, then two seconds (two snapshots due) before the kill
        kill_everything(first)
    finally:
        stop(first)
    second = start_local_stack(*ports, "--no-samples", data=data)
    try:
        slug = "a-story-answered-before-the-crash"
        assert get(f"{second.api}/articles/{slug}")[0] == 200

        def in_feed() -> bool:
            return slug.encode() in get(f"{second.base}/feeds/rss.xml")[1]

        eventually(in_feed, 60, "the feed did not take the story in within 60 s of the restart")
    finally:
        stop(second)
