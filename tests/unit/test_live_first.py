"""The local stack's live-first rule (infra/live_first.py): whose requests wait for what."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from infra.live_first import IN_FLIGHT, LIVE, MAX_WAIT_SECONDS, RELATED, LiveFirst


class Sent:
    """Stands in for the gate's HTTP session: notes each request it is given."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.any = threading.Event()

    def send(self, request: str) -> str:
        self.requests.append(request)
        self.any.set()
        return "answer"


def running(gate: LiveFirst, kind: str) -> threading.Event:
    """An invocation of `kind` that runs until the returned event is set."""
    started, release = threading.Event(), threading.Event()

    def handler(event: dict[str, Any], context: Any) -> None:
        started.set()
        release.wait(10)

    threading.Thread(target=gate.live(handler, kind=kind), args=({}, None), daemon=True).start()
    assert started.wait(10)
    return release


def request_from(gate: LiveFirst, lane: str, sent: Sent) -> threading.Thread:
    thread = threading.Thread(
        target=LiveFirst.bulk(lambda event, context: gate.give_way(f"{lane} request"), lane),  # type: ignore[arg-type]
        args=({}, None),
        daemon=True,
    )
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("kind", "lane", "waits"),
    [
        (LIVE, "import", True),
        (LIVE, "bulk", True),
        (RELATED, "bulk", True),
        (RELATED, "import", False),
        (LIVE, RELATED, True),
        (RELATED, RELATED, False),  # the related-lists function never waits for itself
    ],
)
def test_a_bulk_request_waits_for_the_work_its_lane_gives_way_to(kind: str, lane: str, waits: bool) -> None:
    gate, sent = LiveFirst(), Sent()
    gate._http = sent  # type: ignore[assignment]  # no server: what matters is when a request is sent
    release = running(gate, kind)
    thread = request_from(gate, lane, sent)
    assert sent.any.wait(MAX_WAIT_SECONDS / 4) is not waits  # held back while that work runs, or not at all
    release.set()
    thread.join(MAX_WAIT_SECONDS * 2)
    assert sent.requests == [f"{lane} request"]


def test_requests_of_live_work_are_left_to_botocore() -> None:
    gate, sent = LiveFirst(), Sent()
    gate._http = sent  # type: ignore[assignment]
    assert gate.give_way("a live request") is None  # type: ignore[arg-type]
    assert sent.requests == []


class Held(Sent):
    """A session that keeps every request until released: how many are at the server at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def send(self, request: str) -> str:
        super().send(request)
        self.release.wait(10)
        return "answer"


@pytest.mark.parametrize(("lane", "at_once"), [("import", IN_FLIGHT), ("bulk", IN_FLIGHT), (RELATED, 5)])
def test_an_import_and_the_bulk_lane_have_few_requests_at_the_server_the_related_lists_their_own(
    lane: str, at_once: int
) -> None:
    gate, held = LiveFirst(), Held()
    gate._http = held  # type: ignore[assignment]
    threads = [request_from(gate, lane, held) for _ in range(5)]
    deadline = time.monotonic() + 2
    while len(held.requests) < at_once and time.monotonic() < deadline:
        time.sleep(0.01)  # the interval between two looks
    time.sleep(0.1)  # a sixth would have come by now
    assert len(held.requests) == at_once
    held.release.set()
    for thread in threads:
        thread.join(10)
    assert len(held.requests) == 5
