"""Fedify (a maintained ActivityPub framework, from npm) as a follower's server on 127.0.0.1, for the
end-to-end test and the benchmark: tests/e2e/fediverse/peer.mjs, driven by lines on its stdin, reporting JSON
events."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import ROOT

NODE = ROOT / "node_modules" / ".bin" / "node"  # Node.js 22 from npm (package.json): Fedify needs 22
PEER = ROOT / "tests" / "e2e" / "fediverse" / "peer.mjs"
PEER_INSTALLED = NODE.exists() and (ROOT / "node_modules" / "@fedify" / "fedify").exists()


class Peer:
    """Fedify's server, driven by lines on its stdin; what it reports, as JSON events."""

    def __init__(self, port: int) -> None:
        self.process = subprocess.Popen(
            [str(NODE), str(PEER), str(port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.next(lambda e: e["event"] == "ready", 30)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                self.events.put({"event": "output", "line": line})

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def next(self, wanted: Callable[[dict[str, Any]], bool], seconds: float = 20) -> dict[str, Any]:
        """The next event `wanted` picks; fails after `seconds`, naming what came instead."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if wanted(event):
                return event
        pytest.fail(f"the peer did not report it within {seconds} s; it reported {self.seen[-10:]}")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
