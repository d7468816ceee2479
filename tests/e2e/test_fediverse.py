"""Followed from the fediverse, end to end: the local stack and Fedify (a maintained ActivityPub framework,
from npm: tests/e2e/fediverse/peer.mjs) as the follower's server, both on 127.0.0.1.

Fedify verifies the signature of everything it receives before its listeners see it (an activity it cannot
verify never becomes an event), and our inbox answers the Follow with an Accept only once its signature holds,
so every event below is a signature that verified on one side or the other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fediverse import PEER_INSTALLED, Peer
from tests.support.local import Running, eventually, free_port, start_local_stack

pytestmark = pytest.mark.e2e

if not PEER_INSTALLED:
    if os.environ.get("CI"):
        pytest.fail("the fediverse test needs npm ci (Node.js 22 and Fedify)", pytrace=False)
    pytest.skip("needs npm ci (Node.js 22 and Fedify)", allow_module_level=True)

STORY = """---
title: {title}
slug: ferry-service-returns
section: Business
tags: [Transport, Caspian Sea]
image:
  url: https://kazpost.example/images/ferry.jpg
  alt: A white ferry at the Aktau pier at dawn
summary: The Aktau ferry runs again from Monday, with three sailings a week to Baku.
{extra}---
The ferry between **Aktau** and Baku runs again from Monday.
"""


@pytest.fixture(scope="module")
def stack() -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port())
    yield running
    running.process.kill()
    running.process.wait()


@pytest.fixture
def peer() -> Iterator[Peer]:
    started = Peer(free_port())
    yield started
    started.close()


def publish(stack: Running, folder: Path, title: str, extra: str = "") -> None:
    path = folder / "ferry-service-returns.md"
    path.write_text(STORY.format(title=title, extra=extra), encoding="utf-8")
    result = stack.cli("publish", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def following(stack: Running, follower: str) -> bool:
    dynamodb = stack.client("dynamodb")
    table = next(t for t in dynamodb.list_tables()["TableNames"] if "content" in t.lower())
    item = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": f"following#{follower}"}, "sk": {"S": "kazpost"}}
    )
    return "Item" in item


def test_a_fediverse_server_follows_the_site_and_receives_its_stories(
    stack: Running, peer: Peer, tmp_path: Path
) -> None:
    handle = f"@kazpost@{stack.base.removeprefix('http://')}"
    peer.send(f"lookup {handle}")
    found = peer.next(lambda e: e["event"] in ("found", "error"))
    assert found == {
        "event": "found",
        "id": f"{stack.base}/ap/actors/kazpost",
        "name": "KazPost",
        "inbox": f"{stack.base}/ap/actors/kazpost/inbox",
    }

    peer.send(f"follow {handle}")
    accept = peer.next(lambda e: e["event"] == "Accept")
    assert accept["actor"] == found["id"] and accept["object"].endswith("/follows/1")
    reader = accept["object"].split("/follows/")[0] + "/users/reader"
    assert following(stack, reader)

    publish(stack, tmp_path, "Ferry service returns to the Caspian coast")
    create = peer.next(lambda e: e["event"] == "Create")["object"]
    assert create["kind"] == "Article" and create["name"] == "Ferry service returns to the Caspian coast"
    assert (
        create["summary"]
        == "<p>The Aktau ferry runs again from Monday, with three sailings a week to Baku.</p>"
    )
    assert create["url"] == f"{stack.base}/articles/ferry-service-returns"
    assert create["tags"] == ["#Transport", "#CaspianSea"]
    assert create["attachments"] == [
        {
            "type": "Image",
            "url": "https://kazpost.example/images/ferry.jpg",
            "name": "A white ferry at the Aktau pier at dawn",
        }
    ]

    publish(stack, tmp_path, "Ferry service returns on Monday")
    update = peer.next(lambda e: e["event"] == "Update")["object"]
    assert update["id"] == create["id"] and update["name"] == "Ferry service returns on Monday"

    result = stack.cli("unpublish", "ferry-service-returns")
    assert result.returncode == 0, result.stdout + result.stderr
    assert peer.next(lambda e: e["event"] == "Delete")["object"] == create["id"]

    peer.send(f"unfollow {handle}")
    eventually(lambda: not following(stack, reader), 20, "the Undo was not taken")
    errors = [
        e for e in peer.seen if e["event"] == "error" or (e["event"] == "request" and e["status"] >= 300)
    ]
    assert errors == []


def test_an_opted_out_story_never_reaches_followers(stack: Running, peer: Peer, tmp_path: Path) -> None:
    handle = f"@kazpost@{stack.base.removeprefix('http://')}"
    peer.send(f"follow {handle}")
    peer.next(lambda e: e["event"] == "Accept")
    publish(stack, tmp_path, "Quiet ferry story", extra="federate: false\n")
    path = tmp_path / "loud.md"
    path.write_text(STORY.format(title="Loud ferry story", extra="").replace("ferry-service-returns", "loud"))
    assert stack.cli("publish", str(path)).returncode == 0
    create = peer.next(
        lambda e: e["event"] == "Create"
    )  # the next story's arrives; the quiet one's never did
    assert create["object"]["name"] == "Loud ferry story"
    assert not [e for e in peer.seen if e.get("object", {}) and "Quiet" in str(e["object"])]
