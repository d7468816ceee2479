"""The command's output read by another program that stops reading (`newsfeed ... | head -1`)."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def test_a_reader_that_stops_reading_ends_the_command_quietly() -> None:
    files = sorted(str(path) for path in (ROOT / "events" / "articles").glob("*.md"))
    command = subprocess.Popen(
        [sys.executable, "-m", "newsfeed.cli", "validate", *files],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert command.stdout is not None and command.stderr is not None
    command.stdout.close()  # the reader is gone before the first line: every write fails (EPIPE)
    errors = command.stderr.read().decode()
    assert command.wait(60) == 1
    assert errors == ""  # no traceback
