"""Webhooks through the pipeline to a receiver on 127.0.0.1: signed, in order, retried, never blocking."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from newsfeed.logic.webhooks import verify
from tests.support.factories import markdown
from tests.support.moto import Stack, moto_stack
from tests.support.pipeline import api

SLUG = "kazakh-leader-offers-explanation-for-crisis"


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # delivery ids, failed or not
    failures_left: int = 0

    def events(self) -> list[tuple[str, str]]:
        return [(json.loads(body)["type"], json.loads(body)["article"]["slug"]) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts.append(self.headers["Newsfeed-Delivery"])
            if state.failures_left:
                state.failures_left -= 1
                self.send_response(503)
            else:
                state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Iterator[Stack]:
    with moto_stack(monkeypatch, {"WebhookUrls": receiver.url}) as created:
        yield created


def secret(stack: Stack) -> str:
    import os

    value = stack.session.client("secretsmanager").get_secret_value(SecretId=os.environ["WEBHOOK_SECRET_ARN"])
    return str(value["SecretString"])


def upload(stack: Stack, **fields: str) -> None:
    stack.put("crisis.md", markdown(**fields))
    stack.drain()


def test_each_change_is_one_signed_event_in_order(hooked: Stack, receiver: Receiver) -> None:
    upload(hooked)
    upload(hooked, summary="Corrected.")
    upload(hooked, summary="Corrected.", status="draft")  # drafted again: not public any more
    upload(hooked, summary="Corrected.")
    upload(hooked, summary="Corrected.", slug="crisis-explained")
    hooked.s3.delete_object(Bucket=hooked.uploads, Key="inbox/crisis.md")
    hooked.drain()

    assert receiver.events() == [
        ("article.published", SLUG),
        ("article.updated", SLUG),
        ("article.unpublished", SLUG),
        ("article.published", SLUG),
        ("article.updated", "crisis-explained"),
        ("article.unpublished", "crisis-explained"),
    ]
    key, now = secret(hooked), int(time.time())
    for headers, body in receiver.received:
        assert verify(key, headers["newsfeed-signature"], body, now)
        assert not verify(key + "x", headers["newsfeed-signature"], body, now)
        assert not verify(key, headers["newsfeed-signature"], body + b" ", now)
        assert headers["newsfeed-event"] == json.loads(body)["type"]
    first = json.loads(receiver.received[0][1])
    assert first["article"]["url"] == f"https://kazpost.example/articles/{SLUG}"
    assert len({headers["newsfeed-delivery"] for headers, _ in receiver.received}) == 6
    assert len({json.loads(body)["id"] for _, body in receiver.received}) == 6  # one per change


def test_a_failed_delivery_is_retried_later_with_the_same_delivery_id(
    hooked: Stack, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.dal import queues

    delays: list[tuple[str, str, int]] = []
    real = queues.retry_later

    def retry_later(queue_url: str, receipt_handle: str, seconds: int) -> None:
        delays.append((queue_url, receipt_handle, seconds))
        real(queue_url, receipt_handle, seconds)

    monkeypatch.setattr("newsfeed.handlers.notifier.retry_later", retry_later)
    receiver.failures_left = 1
    upload(hooked)  # the first attempt fails: the message is hidden for a minute
    assert receiver.received == []
    assert [seconds for _, _, seconds in delays] == [60]

    queue_url, receipt, _ = delays[0]  # a minute later (here: at once) it is visible again
    hooked.session.client("sqs").change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
    )
    hooked.drain()
    assert receiver.events() == [("article.published", SLUG)]
    assert receiver.attempts == [receiver.received[0][0]["newsfeed-delivery"]] * 2


def test_an_unreachable_endpoint_never_holds_up_a_publish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with moto_stack(monkeypatch, {"WebhookUrls": "http://127.0.0.1:9/down"}) as stack:
        upload(stack)
        assert api(stack).get(f"/articles/{SLUG}").status_code == 200
        assert SLUG.encode() in stack.feed()


def test_a_scheduled_article_is_announced_when_the_scheduler_publishes_it(
    hooked: Stack, receiver: Receiver
) -> None:
    from datetime import UTC, datetime, timedelta

    from newsfeed.dal.content import ContentTable
    from newsfeed.logic.schedule import Scheduler

    due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    upload(hooked, published_at=due.isoformat())
    assert receiver.events() == []  # stored, not public: nothing to announce yet
    Scheduler(ContentTable(hooked.table), clock=lambda: due).run()
    hooked.drain()
    assert receiver.events() == [("article.published", SLUG)]
