"""Deliveries to followers' servers through the whole pipeline (moto), to servers on 127.0.0.1: each change
once per server and signed with our actor's key; retried while a server is down; a server that answers 410
forgotten; a burst of publishes each delivered once."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from newsfeed.dal.federation import FollowerStore
from newsfeed.logic.federation import signatures
from tests.support.factories import markdown
from tests.support.moto import Stack


@dataclass
class Server:
    """A follower's server: its shared inbox, what it received (headers, activity), and how it answers."""

    inbox: str = ""
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    attempts: int = 0
    answer: int = 202
    failures_left: int = 0

    def kinds(self) -> list[str]:
        return [activity["type"] for _, activity in self.received]


def serve() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            if state.failures_left:
                state.failures_left -= 1
                self.send_response(503)
            else:
                headers = {k.lower(): v for k, v in self.headers.items()}
                if state.answer < 300:
                    state.received.append(
                        (headers | {"path": self.path, "body": body.decode()}, json.loads(body))
                    )
                self.send_response(state.answer)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.inbox = f"http://127.0.0.1:{server.server_address[1]}/inbox"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


one = pytest.fixture(serve)
two = pytest.fixture(serve)


def follow(stack: Stack, server: Server, name: str = "kazpost", *, accounts: int = 1) -> None:
    followers = FollowerStore(stack.table)
    for n in range(accounts):
        followers.add(name, f"{server.inbox.rsplit('/', 1)[0]}/users/{name}-reader-{n}", server.inbox)


def our_public_key(stack: Stack) -> str:
    secret = stack.session.client("secretsmanager").get_secret_value(SecretId=os.environ["ACTOR_KEY_ARN"])
    return signatures.public_pem(secret["SecretString"])


def assert_signed(stack: Stack, server: Server) -> None:
    key = our_public_key(stack)
    for headers, activity in server.received:
        params = signatures.parse(headers["signature"])
        assert params.key_id == f"{activity['actor']}#main-key"
        body = headers["body"].encode()
        signatures.check_fresh_and_covering(params, "POST", headers, body, datetime.now(UTC))
        signatures.verify(params, key, "POST", headers["path"], headers)
        with pytest.raises(signatures.SignatureRefused):
            signatures.check_fresh_and_covering(params, "POST", headers, body + b" ", datetime.now(UTC))


def publish(stack: Stack, name: str = "crisis.md", **fields: str) -> None:
    stack.put(name, markdown(**fields))
    stack.drain()


def test_each_change_reaches_each_server_once_signed(stack: Stack, one: Server, two: Server) -> None:
    follow(stack, one, accounts=3)  # three accounts there: still one delivery
    follow(stack, two)
    follow(stack, two, "kazakhstan-news")  # and the section, from the same server
    publish(stack, tags="[Politics, Astana]")
    assert one.kinds() == ["Create"]
    assert sorted(two.kinds()) == ["Announce", "Create"]
    create = one.received[0][1]
    assert create["object"]["name"] == "Kazakh leader offers explanation for crisis"
    assert [t["name"] for t in create["object"]["tag"]] == ["#Politics", "#Astana"]
    publish(stack, summary="Corrected.")
    assert one.kinds() == ["Create", "Update"]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain()
    assert one.kinds() == ["Create", "Update", "Delete"]
    assert sorted(two.kinds()) == ["Announce", "Create", "Delete", "Update"]  # one Delete, for both actors
    assert_signed(stack, one)
    assert_signed(stack, two)


def test_a_server_that_is_down_gets_the_activity_once_it_is_back(
    stack: Stack, one: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[int] = []

    def retry_at_once(queue_url: str, receipt_handle: str, seconds: int) -> None:
        delays.append(seconds)  # and visible again at once: the test need not wait the minutes
        stack.session.client("sqs").change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=0
        )

    monkeypatch.setattr("newsfeed.handlers.deliveries.retry_later", retry_at_once)
    follow(stack, one)
    one.failures_left = 3
    publish(stack)
    assert one.kinds() == ["Create"] and one.attempts == 4
    assert delays == [60, 120, 240]
    servers, _ = FollowerStore(stack.table).servers("kazpost")
    assert [(s.inbox, s.followers) for s in servers] == [(one.inbox, 1)]  # kept, its failure forgotten


def test_a_server_that_answers_gone_is_forgotten(stack: Stack, one: Server, two: Server) -> None:
    follow(stack, one, accounts=2)
    follow(stack, two)
    one.answer = 410
    publish(stack)
    assert one.attempts == 1 and two.kinds() == ["Create"]
    servers, _ = FollowerStore(stack.table).servers("kazpost")
    assert [s.inbox for s in servers] == [two.inbox]
    publish(stack, "other.md", title="Another story")
    assert one.attempts == 1 and two.kinds() == ["Create", "Create"]


def test_an_opted_out_article_is_never_delivered(stack: Stack, one: Server) -> None:
    follow(stack, one)
    publish(stack, federate="false")
    publish(stack, federate="false", summary="Corrected.")
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain()
    assert one.attempts == 0


def test_a_burst_of_200_publishes_delivers_each_article_once_per_server(
    stack: Stack, one: Server, two: Server
) -> None:
    follow(stack, one, accounts=2)
    follow(stack, two)
    for n in range(200):
        stack.put(f"burst-{n}.md", markdown(title=f"Burst story number {n}"))
    stack.drain(timeout=300)
    for server in (one, two):
        created = [
            activity["object"]["name"] for _, activity in server.received if activity["type"] == "Create"
        ]
        assert sorted(created) == sorted(f"Burst story number {n}" for n in range(200))
        assert len(server.received) == 200


def test_a_server_failing_for_days_is_forgotten(
    stack: Stack, one: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.logic.federation import delivery

    monkeypatch.setattr(delivery, "GIVE_UP_SECONDS", -1)  # as if its first failure were three days ago
    follow(stack, one)
    one.failures_left = 100
    publish(stack)
    assert one.attempts == 1 and FollowerStore(stack.table).servers("kazpost")[0] == []


def test_a_server_that_is_unreachable_gets_the_activity_once_it_listens(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waiting: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "newsfeed.handlers.deliveries.retry_later",
        lambda url, receipt, seconds: waiting.append((url, receipt)),
    )
    down = Server(inbox=f"http://127.0.0.1:{port}/inbox")
    follow(stack, down)
    publish(stack)
    assert len(waiting) == 1 and down.received == []  # refused: connection refused, kept for later

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            down.received.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)  # back up
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url, receipt = waiting[0]
        stack.session.client("sqs").change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0
        )
        stack.drain()
        assert down.kinds() == ["Create"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "damaged",  # what DynamoDB lets a hand or a bug write: no count, a string, a fraction, 38 digits
    [{}, {"followers": {"S": "many"}}, {"followers": {"N": "1.5"}}, {"followers": {"N": "1" + "0" * 37}}],
)
def test_a_damaged_server_item_costs_only_itself(stack: Stack, one: Server, damaged: dict[str, Any]) -> None:
    from newsfeed.dal.keys import key

    follow(stack, one)
    item = {**key("servers#kazpost", "http://127.0.0.1:9/damaged/inbox"), **damaged}
    stack.dynamodb.put_item(TableName=stack.table, Item=item)
    publish(stack)
    assert one.kinds() == ["Create"]
