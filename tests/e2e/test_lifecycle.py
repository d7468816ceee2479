"""What `make run` says is true when it says it: the banner once the site answers, a stop at once, and the
front door compressing what CloudFront would."""

from __future__ import annotations

import gzip
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pytest

from newsfeed.cli.connection import running_local_stacks
from tests.support import ROOT
from tests.support.local import free_port

pytestmark = pytest.mark.e2e
BANNER_END = "Press Ctrl-C to stop."


class Lines:
    """The stack's output, line by line as it comes, each with the moment it was read."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def read() -> None:
            for line in stdout:
                self.lines.put((time.monotonic(), line.rstrip("\n")))

        threading.Thread(target=read, daemon=True).start()

    def until(self, text: str, seconds: float) -> float:
        """When the line holding `text` was read; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no line with {text!r} within {seconds} s"
            try:
                moment, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if text in line:
                return moment


def test_the_banner_is_true_when_printed_and_a_stop_says_so_at_once() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "infra.local_stack", "--port", str(port), "--aws-port", str(free_port())),
            *("--data", tempfile.mkdtemp(prefix="newsfeed-data-")),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = Lines(process)
        lines.until(BANNER_END, 90)
        # The moment the banner is out, the site answers and the command can find the stack.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as health:
            assert health.status == 200
        assert [s.site for s in running_local_stacks() if s.pid == process.pid] == [
            f"http://127.0.0.1:{port}"
        ]
        # As CloudFront, the front door compresses pages for clients that accept it.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=5) as page:
            assert page.headers["Content-Encoding"] == "gzip"
            assert b"<!doctype html>" in gzip.decompress(page.read())
        process.send_signal(signal.SIGINT)
        said = lines.until("newsfeed is stopping", 30)
        assert lines.until("newsfeed stopped.", 30) >= said
        assert process.wait(timeout=30) == 0
        assert [s for s in running_local_stacks() if s.pid == process.pid] == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
