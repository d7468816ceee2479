"""The local stack as a user meets it, from outside: a subprocess on free ports, the CLI, plain HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import boto3
import pytest

from tests.support import ROOT

NO_ANSWER = 0  # get()'s status when the server gave none in time: to a poll, "not yet"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (TimeoutError, urllib.error.URLError) as error:
        if not isinstance(getattr(error, "reason", error), TimeoutError):
            raise  # refused, unknown host: no stack to ask, which is not "not yet"
        return NO_ANSWER, b""


T = TypeVar("T")


def eventually(
    check: Callable[[], object], seconds: float = 10, what: str = "not within the time allowed"
) -> None:
    """Wait until `check()` is true, polling; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)  # the interval between two looks


def settled(observe: Callable[[], T], seconds: float) -> T:
    """What `observe()` gives once two calls in a row agree (the pipeline is idle); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    last = observe()
    while (now := observe()) != last:
        assert time.monotonic() < deadline, f"still changing after {seconds} s"
        last = now
    return now


@dataclass
class Running:
    process: subprocess.Popen[str]
    base: str  # the site: pages and feeds
    aws: str

    @property
    def api(self) -> str:
        return f"{self.base}/api"

    def client(self, service: str) -> Any:
        """A client of the stack's moto."""
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def uploads(self) -> tuple[Any, str]:
        """An S3 client of the stack's moto and the uploads bucket's name: where an editor's files go."""
        s3 = self.client("s3")
        return s3, next(b["Name"] for b in s3.list_buckets()["Buckets"] if "-uploads-" in b["Name"])

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "newsfeed.cli", *args, "--endpoint-url", self.aws],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            check=False,
        )


def newsfeed(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as an editor runs it: no endpoint given, none in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEWSFEED_"))}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "newsfeed.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
        check=False,
    )


def start_local_stack(
    port: int, aws_port: int, *args: str, env: dict[str, str] | None = None, data: Path | None = None
) -> Running:
    """`python -m infra.local_stack` on these ports, keeping its state in `data` (a new folder if None,
    never the checkout's), once it answers /health (90 s at most)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | (env or {})
    folder = data if data is not None else Path(tempfile.mkdtemp(prefix="newsfeed-data-"))
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "infra.local_stack", "--port", str(port), "--aws-port", str(aws_port)),
            *("--data", str(folder), *args),
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if get(f"{base}/api/health")[0] == 200:
                return Running(process, base, f"http://127.0.0.1:{aws_port}")
        except OSError:
            pass
        time.sleep(0.2)  # the interval between two looks
    process.kill()
    pytest.fail("the local stack did not come up within 90 s")


def keep_reading(running: Running, into: Path) -> None:
    """Copy the stack's output into a file as it comes: a stack that logs much (an import's warnings) would
    otherwise block on a full pipe."""
    source = running.process.stdout
    if source is not None:

        def copy() -> None:
            with into.open("w", encoding="utf-8") as log:
                for line in source:
                    log.write(line)

        threading.Thread(target=copy, daemon=True).start()


def all_slugs(api: str) -> list[str]:
    """Every published article's slug, newest first, through the API's pages."""
    slugs: list[str] = []
    cursor = ""
    while True:
        page = json.loads(get(f"{api}/articles?limit=100{cursor}")[1])
        slugs += [item["slug"] for item in page["items"]]
        if not page.get("next"):
            return slugs
        cursor = "&cursor=" + quote(page["next"]["cursor"])


def every_feed_is_its_scopes_newest(api: str) -> bool:
    """Whether each feed's items are the newest articles of its scope in the API, in order."""
    scopes = []
    cursor = ""
    while True:
        page = json.loads(get(f"{api}/feeds?limit=100{cursor}")[1])
        scopes += page["items"]
        if not page.get("next"):
            break
        cursor = "&cursor=" + quote(page["next"]["cursor"])
    for scope in scopes:
        status, body = get(scope["json"])
        if status != 200:
            return False
        items = [item["url"].rsplit("/", 1)[1] for item in json.loads(body)["items"]]
        where = "" if scope["scope"] == "site" else f"&{scope['scope']}={scope['slug']}"
        newest = json.loads(get(f"{api}/articles?limit={max(len(items), 1)}{where}")[1])["items"]
        if len(items) != len(set(items)) or items != [item["slug"] for item in newest]:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
