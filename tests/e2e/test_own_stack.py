"""The `newsfeed` command talks only to a stack of its own checkout, never to whatever answers on a default
port; two stacks of one checkout never take each other's place."""

from __future__ import annotations

import json
import shutil
import signal
import socket
from pathlib import Path

import pytest

from newsfeed.cli.connection import running_local_stacks
from tests.support import ROOT
from tests.support.factories import markdown
from tests.support.local import Running, free_port, get, newsfeed, start_local_stack

pytestmark = pytest.mark.e2e
DEFAULT_AWS_PORT = 4566  # where the command used to guess a stack was


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def published(stack: Running) -> list[str]:
    return [item["slug"] for item in json.loads(get(f"{stack.api}/articles")[1])["items"]]


def stop(stack: Running) -> None:
    stack.process.send_signal(signal.SIGINT)
    stack.process.wait(timeout=60)


@pytest.fixture(autouse=True)
def no_stack_of_this_checkout_yet() -> None:
    if running_local_stacks():
        pytest.skip("a local stack of this checkout is already running (make run): these tests count them")


def test_another_checkouts_command_never_writes_into_this_stack(tmp_path: Path) -> None:
    # A second checkout, with no stack of its own running: its `newsfeed` finds its running stacks beside
    # its own code.
    other = tmp_path / "other-checkout"
    shutil.copytree(
        ROOT / "functions" / "newsfeed",
        other / "functions" / "newsfeed",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    aws_port = DEFAULT_AWS_PORT if port_is_free(DEFAULT_AWS_PORT) else free_port()
    stack = start_local_stack(free_port(), aws_port, "--no-samples")
    try:
        article = tmp_path / "ferry.md"
        article.write_text(markdown(title="Caspian ferry route to Baku reopens", section="Transport"))
        for args in (
            ("publish", str(article)),
            ("status",),
            ("status", "caspian-ferry-route-to-baku-reopens"),
        ):
            refused = newsfeed(*args, cwd=tmp_path, pythonpath=other / "functions")
            assert refused.returncode == 2, refused
            assert refused.stdout == ""
            assert refused.stderr.splitlines() == [
                "error: no local stack of this checkout is running: start one with `make run` "
                "(or name a stack with --endpoint-url or --stack)"
            ]
        assert published(stack) == []
        assert "published:     0 articles" in stack.cli("status").stdout
        # This checkout's command does find it.
        assert newsfeed("publish", str(article), cwd=tmp_path).stdout.strip() == (
            f"published: {stack.base}/articles/caspian-ferry-route-to-baku-reopens"
        )
    finally:
        stop(stack)
    assert newsfeed("status", cwd=tmp_path).returncode == 2  # stopped: nothing to talk to any more


def test_two_stacks_of_one_checkout_keep_their_own_files(tmp_path: Path) -> None:
    first = start_local_stack(free_port(), free_port(), "--no-samples")
    second = start_local_stack(free_port(), free_port(), "--no-samples")
    try:
        both = newsfeed("status", cwd=tmp_path)
        assert both.returncode == 2
        assert "2 local stacks of this checkout are running: choose one with --endpoint-url" in both.stderr
        assert first.aws in both.stderr and second.aws in both.stderr
        stop(second)
        assert [s.site for s in running_local_stacks()] == [first.base]
        article = tmp_path / "metro.md"
        article.write_text(markdown(title="Metro line opens", section="Almaty"))
        done = newsfeed("publish", str(article), cwd=tmp_path)
        assert done.stdout.strip() == f"published: {first.base}/articles/metro-line-opens", done
        assert published(first) == ["metro-line-opens"]
    finally:
        for stack in (first, second):
            if stack.process.poll() is None:
                stop(stack)
    assert running_local_stacks() == []
