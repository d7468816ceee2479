"""The fediverse app against moto: discovery, and an inbox that refuses forged, expired, replayed and unsigned
requests without changing anything, and follows, accepts and unfollows signed ones."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from newsfeed.api.fediverse import PREFIX, FediverseSide, create_fediverse_app
from newsfeed.dal.content import ContentTable
from newsfeed.dal.federation import DeliveryQueue, FollowerStore, KeyUnavailable, RemoteKeys, SeenSignatures
from newsfeed.logic.articles import content_change
from newsfeed.logic.federation import signatures
from newsfeed.models.fediverse import Fediverse
from newsfeed.models.upload import UploadRecord
from tests.support.factories import SITE, article
from tests.support.moto import Stack

WE = Fediverse(SITE, "kazpost")
THEM = "https://social.example/users/reader"
SHARED = "https://social.example/inbox"
EVIL = "https://evil.example/users/mallory"


@cache
def their_key() -> str:
    return signatures.new_key_pem()


@cache
def evil_key() -> str:
    return signatures.new_key_pem()


@cache
def our_key() -> str:
    return signatures.new_key_pem()


class TheirServer(RemoteKeys):
    """Their actor document, as their server would serve it (no network in tests)."""

    def actor(self, url: str) -> dict[str, Any]:
        if url == EVIL:  # a server that claims another's account as the owner of its key
            return {
                "id": THEM,
                "type": "Person",
                "inbox": f"{EVIL}/inbox",
                "publicKey": {
                    "id": f"{EVIL}#main-key",
                    "owner": THEM,
                    "publicKeyPem": signatures.public_pem(evil_key()),
                },
            }
        if url != THEM:
            raise KeyUnavailable(f"{url} answered 404")
        return {
            "id": THEM,
            "type": "Person",
            "inbox": f"{THEM}/inbox",
            "endpoints": {"sharedInbox": SHARED},
            "publicKey": {
                "id": f"{THEM}#main-key",
                "owner": THEM,
                "publicKeyPem": signatures.public_pem(their_key()),
            },
        }


@pytest.fixture
def side(stack: Stack) -> FediverseSide:
    table = ContentTable(stack.table)
    one = article(1, section="Sport")
    table.articles.save(
        content_change(UploadRecord(key=one.source_key, article_id=one.id, slug=one.slug, order="S1"), one)
    )
    queue = stack.session.client("sqs").create_queue(QueueName="deliveries")["QueueUrl"]
    return FediverseSide(
        fediverse=WE,
        lists=table.lists,
        article_by_id=table.articles.article_by_id,
        followers=FollowerStore(stack.table),
        keys=TheirServer(stack.table),
        seen=SeenSignatures(stack.table),
        private_key=our_key,
        deliveries=DeliveryQueue(queue),
    )


@pytest.fixture
def client(side: FediverseSide) -> TestClient:
    return TestClient(create_fediverse_app(lambda: side), base_url=SITE.url)


def queued(side: FediverseSide) -> list[dict[str, Any]]:
    assert side.deliveries is not None
    answer = side.deliveries.client.receive_message(
        QueueUrl=side.deliveries.queue_url, MaxNumberOfMessages=10
    )
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def follow(name: str = "kazpost", number: int = 1) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{THEM}#follows/{number}",
        "type": "Follow",
        "actor": THEM,
        "object": WE.actor_id(name),
    }


def post(
    client: TestClient,
    activity: dict[str, Any],
    *,
    key: str | None = None,
    now: datetime | None = None,
    path: str = "/ap/inbox",
    headers: dict[str, str] | None = None,
) -> Any:
    body = json.dumps(activity).encode()
    signed = signatures.sign(
        key or their_key(),
        f"{THEM}#main-key",
        "POST",
        f"{SITE.url}{path}",
        body=body,
        now=now or datetime.now(UTC),
    )
    signed.pop("Host")
    return client.post(
        PREFIX + path,
        content=body,
        headers={**signed, **(headers or {}), "Content-Type": "application/activity+json"},
    )


def test_webfinger_finds_the_site_and_its_sections(client: TestClient) -> None:
    answer = client.get(f"{PREFIX}/.well-known/webfinger", params={"resource": f"acct:kazpost@{WE.host}"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/jrd+json")
    (self_link,) = [link for link in answer.json()["links"] if link["rel"] == "self"]
    assert self_link["href"] == WE.actor_id("kazpost")
    assert (
        client.get(
            f"{PREFIX}/.well-known/webfinger", params={"resource": f"acct:sport@{WE.host}"}
        ).status_code
        == 200
    )
    for missing in (f"acct:nobody@{WE.host}", "acct:kazpost@else.example", "x" * 5000):
        assert client.get(f"{PREFIX}/.well-known/webfinger", params={"resource": missing}).status_code == 404
    assert client.get(f"{PREFIX}/.well-known/webfinger").status_code == 400


def test_the_actor_shows_its_key_and_inboxes(client: TestClient) -> None:
    actor = client.get(f"{PREFIX}/ap/actors/kazpost").json()
    assert actor["preferredUsername"] == "kazpost" and actor["endpoints"]["sharedInbox"] == WE.shared_inbox
    assert actor["publicKey"]["publicKeyPem"] == signatures.public_pem(our_key())
    assert client.get(f"{PREFIX}/ap/actors/sport").json()["name"].startswith("Sport")
    assert client.get(f"{PREFIX}/ap/actors/nothing").status_code == 404
    page = client.get(f"{PREFIX}/ap/actors/kazpost/outbox", params={"page": "first"}).json()
    assert [item["object"]["name"] for item in page["orderedItems"]] == ["Article number 1"]
    object_id = page["orderedItems"][0]["object"]["id"]
    assert client.get(object_id.replace(SITE.url, PREFIX)).json()["content"] == "<p>Body of article 1.</p>"


def test_a_signed_follow_is_stored_and_accepted_and_an_undo_removes_it(
    client: TestClient, side: FediverseSide
) -> None:
    assert post(client, follow()).status_code == 202
    assert side.followers.follows(THEM, "kazpost")
    servers, _ = side.followers.servers("kazpost")
    assert [(s.inbox, s.followers) for s in servers] == [(SHARED, 1)]
    (message,) = queued(side)
    accept = message["deliver"]["activity"]
    assert accept["type"] == "Accept" and accept["object"]["id"] == follow()["id"]
    assert message["deliver"]["inbox"] == SHARED
    assert post(client, {"type": "Undo", "actor": THEM, "object": follow()}).status_code == 202
    assert not side.followers.follows(THEM, "kazpost")
    assert [(s.inbox, s.followers) for s in side.followers.servers("kazpost")[0]] == [(SHARED, 0)]


def test_a_section_is_followed_at_its_own_inbox(client: TestClient, side: FediverseSide) -> None:
    assert post(client, follow("sport"), path="/ap/actors/sport/inbox").status_code == 202
    assert side.followers.follows(THEM, "sport") and not side.followers.follows(THEM, "kazpost")


@pytest.mark.parametrize(
    "attack",
    ["forged", "expired", "future", "unsigned", "other body", "other actor", "replayed", "borrowed name"],
)
def test_a_bad_request_is_refused_and_changes_nothing(
    attack: str, client: TestClient, side: FediverseSide
) -> None:
    if attack == "replayed":
        body = json.dumps(follow()).encode()
        headers = signatures.sign(
            their_key(), f"{THEM}#main-key", "POST", f"{SITE.url}/ap/inbox", body=body, now=datetime.now(UTC)
        )
        headers.pop("Host")
        assert client.post(f"{PREFIX}/ap/inbox", content=body, headers=headers).status_code == 202
        side.followers.remove(THEM)
        queued(side)
        answer = client.post(f"{PREFIX}/ap/inbox", content=body, headers=headers)
    elif attack == "borrowed name":
        body = json.dumps(follow()).encode()
        headers = signatures.sign(
            evil_key(), f"{EVIL}#main-key", "POST", f"{SITE.url}/ap/inbox", body=body, now=datetime.now(UTC)
        )
        headers.pop("Host")
        answer = client.post(f"{PREFIX}/ap/inbox", content=body, headers=headers)
    elif attack == "forged":
        answer = post(client, follow(), key=signatures.new_key_pem())
    elif attack in ("expired", "future"):
        answer = post(
            client, follow(), now=datetime.now(UTC) + timedelta(hours=-3 if attack == "expired" else 3)
        )
    elif attack == "unsigned":
        answer = client.post(f"{PREFIX}/ap/inbox", content=json.dumps(follow()).encode())
    elif attack == "other body":
        answer = post(client, follow(), headers={"Digest": signatures.digest(b"{}")})
    else:
        answer = post(client, {**follow(), "actor": "https://social.example/users/victim"})
    assert answer.status_code == (400 if attack == "other actor" else 401), answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert not side.followers.follows(THEM, "kazpost")
    assert side.followers.servers("kazpost")[0] == [] or attack == "replayed"
    assert queued(side) == []


def test_a_deleted_actor_stops_following_everything(client: TestClient, side: FediverseSide) -> None:
    post(client, follow())
    post(client, follow("sport", 2))
    assert post(client, {"type": "Delete", "actor": THEM, "object": THEM}).status_code == 202
    assert not side.followers.follows(THEM, "kazpost") and not side.followers.follows(THEM, "sport")


def test_anything_else_is_dropped(client: TestClient, side: FediverseSide) -> None:
    like = {"type": "Like", "actor": THEM, "object": WE.object_id("x")}
    assert post(client, like).status_code == 202
    assert queued(side) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    signature=st.one_of(
        st.text(max_size=300),
        st.just(""),
        st.builds(lambda k: f'keyId="{k}",signature="AAAA"', st.text(max_size=80)),
    ),
    body=st.one_of(st.binary(max_size=300), st.just(json.dumps(follow()).encode())),
    date=st.one_of(st.text(max_size=40), st.just("Fri, 04 Dec 2026 12:00:00 GMT")),
)
def test_any_inbox_request_is_answered_and_refused_without_a_change(
    client: TestClient, side: FediverseSide, signature: str, body: bytes, date: str
) -> None:
    headers = {"Signature": signature, "Date": date, "Digest": signatures.digest(body)}
    safe = {k: v for k, v in headers.items() if v.isprintable() and v.isascii()}
    answer = client.post(f"{PREFIX}/ap/inbox", content=body, headers=safe)
    assert answer.status_code in (400, 401), answer.text
    assert not side.followers.follows(THEM, "kazpost") and queued(side) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=120))
def test_any_lookup_is_answered(client: TestClient, text: str) -> None:
    quoted = urllib.parse.quote(text, safe="")
    for path in (
        f"/ap/actors/{quoted}",
        f"/ap/articles/{quoted}",
        f"/ap/actors/kazpost/outbox?page={quoted}",
    ):
        assert client.get(PREFIX + path).status_code in (200, 400, 404), path
    assert client.get(f"{PREFIX}/.well-known/webfinger", params={"resource": text}).status_code in (
        200,
        400,
        404,
    )


def test_a_damaged_kept_key_or_follow_is_passed_over(client: TestClient, side: FediverseSide) -> None:
    from newsfeed.dal.keys import following_key, remote_key_key

    dynamodb = side.followers.client
    dynamodb.put_item(
        TableName=side.followers.table, Item={**remote_key_key(f"{THEM}#main-key"), "pem": {"N": "1"}}
    )
    assert post(client, follow()).status_code == 202  # the key is fetched again
    assert side.followers.follows(THEM, "kazpost")
    dynamodb.put_item(TableName=side.followers.table, Item=following_key(THEM, "sport"))  # no inbox
    assert post(client, {"type": "Delete", "actor": THEM, "object": THEM}).status_code == 202
    assert not side.followers.follows(THEM, "kazpost")
