"""Federation's storage and wires: who follows our actors (and through which server's inbox), other actors'
public keys as fetched, signatures already accepted (replays), our actors' key in Secrets Manager, the
delivery queue, and the signed POST to an inbox.

Followers are counted per server: a publish reads one item per follower server (`servers#<name>`), however
many accounts there follow us, so its cost grows with servers, never with followers or the archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsfeed.dal import batch, clients, http
from newsfeed.dal.keys import (
    follower_key,
    following_key,
    following_pk,
    remote_key_key,
    seen_signature_key,
    server_key,
    servers_pk,
)
from newsfeed.dal.paging import page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger(__name__)
FETCH_TIMEOUT_SECONDS = 5
MAX_ACTOR_BYTES = 512 * 1024
KEY_CACHE_SECONDS = 24 * 3600  # a key is fetched again after a day, or at once when a signature fails with it
ACTIVITY_JSON = "application/activity+json"
ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
SERVERS_PER_PAGE = 500  # follower servers read by one fan-out step (a page of the Query)


class KeyUnavailable(Exception):
    """The key a signature names could not be fetched or read; the message says why."""


@dataclass(frozen=True)
class RemoteKey:
    key_id: str
    owner: str  # the actor whose key it is
    pem: str
    inbox: str  # where that actor receives (its server's shared inbox if it has one)
    fetched_at: float


@dataclass(frozen=True)
class Server:
    inbox: str
    followers: int


@dataclass
class FollowerStore:
    """Who follows our actors, per actor and per server."""

    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def add(self, name: str, follower: str, inbox: str) -> bool:
        """`follower` (delivered to at `inbox`) follows actor `name`; False if it already did."""
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **follower_key(name, inbox, follower),
                                "since": {"N": str(int(time.time()))},
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {**following_key(follower, name), "inbox": {"S": inbox}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": server_key(name, inbox),
                            "UpdateExpression": "ADD followers :one REMOVE failing_since",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException:
            return False
        return True

    def remove(self, follower: str, name: str | None = None) -> list[str]:
        """`follower` no longer follows actor `name` (None: any of ours); the names it had followed."""
        if name is None:
            items, _ = page(
                self.client,
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": following_pk(follower)}},
                    "ConsistentRead": True,
                },
                following_pk(follower),
                None,
            )
        else:
            found = self.client.get_item(
                TableName=self.table, Key=following_key(follower, name), ConsistentRead=True
            ).get("Item")
            items = [found] if found else []
        removed = []
        for item in items:
            try:
                followed, inbox = item["sk"]["S"], item["inbox"]["S"]
            except (KeyError, TypeError):
                log.warning("a follow is damaged: passed over", extra={"follower": follower})
                continue
            try:
                self.client.transact_write_items(
                    TransactItems=[
                        {
                            "Delete": {
                                "TableName": self.table,
                                "Key": following_key(follower, followed),
                                "ConditionExpression": "attribute_exists(pk)",
                            }
                        },
                        {"Delete": {"TableName": self.table, "Key": follower_key(followed, inbox, follower)}},
                        {
                            "Update": {
                                "TableName": self.table,
                                "Key": server_key(followed, inbox),
                                "UpdateExpression": "ADD followers :less",
                                "ExpressionAttributeValues": {":less": {"N": "-1"}},
                            }
                        },
                    ]
                )
            except self.client.exceptions.TransactionCanceledException:
                continue  # removed by a request racing this one
            removed.append(followed)
        return removed

    def follows(self, follower: str, name: str) -> bool:
        item = self.client.get_item(
            TableName=self.table, Key=following_key(follower, name), ConsistentRead=True
        )
        return "Item" in item

    def servers(self, name: str, after: str | None = None) -> tuple[list[Server], str | None]:
        """One page of the servers that deliver to actor `name`'s followers (also those whose followers have
        all left: `followers` 0), by inbox; and where to go on."""
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": servers_pk(name)}},
            "Limit": SERVERS_PER_PAGE,
        }
        items, last = page(self.client, request, servers_pk(name), after)
        return [server for item in items if (server := _server(item)) is not None], last

    def failing(self, names: Sequence[str], inbox: str, since: float) -> float:
        """Note that delivery to `inbox` fails (from `since`, unless noted before); since when it has."""
        first = since
        for name in names:
            if not self.serves(name, inbox):
                continue
            answer = self.client.update_item(
                TableName=self.table,
                Key=server_key(name, inbox),
                UpdateExpression="SET failing_since = if_not_exists(failing_since, :now)",
                ExpressionAttributeValues={":now": {"N": str(int(since))}},
                ReturnValues="ALL_NEW",
            )
            noted = answer.get("Attributes", {}).get("failing_since", {}).get("N")
            first = min(first, float(noted)) if noted else first
        return first

    def delivered(self, names: Sequence[str], inbox: str) -> None:
        for name in names:
            if self.serves(name, inbox):
                self.client.update_item(
                    TableName=self.table, Key=server_key(name, inbox), UpdateExpression="REMOVE failing_since"
                )

    def drop_server(self, names: Sequence[str], inbox: str) -> int:
        """Forget a server (it answered 410 Gone, or failed for days): its followers of these actors and
        their counts. How many followers that was."""
        dropped = 0
        for name in names:
            prefix = f"{inbox} "
            request = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :server)",
                "ExpressionAttributeValues": {":pk": {"S": f"followers#{name}"}, ":server": {"S": prefix}},
            }
            for response in self.client.get_paginator("query").paginate(**request):  # type: ignore[arg-type]
                for item in response.get("Items", []):
                    follower = item["sk"]["S"].removeprefix(prefix)
                    self.client.delete_item(TableName=self.table, Key=item_key(item))
                    self.client.delete_item(TableName=self.table, Key=following_key(follower, name))
                    dropped += 1
            self.client.delete_item(TableName=self.table, Key=server_key(name, inbox))
        return dropped

    def serves(self, name: str, inbox: str) -> bool:
        """Whether `inbox` is one of actor `name`'s follower servers (also one whose followers have left)."""
        return "Item" in self.client.get_item(TableName=self.table, Key=server_key(name, inbox))


def _server(item: dict[str, Any]) -> Server | None:
    """A follower server's item, or None (logged) if it is not one this store wrote: it costs only itself."""
    try:
        followers = item.get("followers", {}).get("N", "0")
        if not (followers.lstrip("-").isdigit() and len(followers) < 10):
            raise ValueError(followers)
        return Server(item["sk"]["S"], int(followers))
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning(
            "a follower server's item is damaged: passed over", extra={"key": str(item.get("sk"))[:200]}
        )
        return None


def item_key(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


@dataclass
class SeenSignatures:
    """Signatures already accepted, kept while their Date could still pass: a replay is refused."""

    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def first_time(self, signature: str, keep_seconds: int) -> bool:
        """Note `signature` as seen; False if it was, and is not yet forgotten."""
        now = int(time.time())
        mark = hashlib.sha256(signature.encode()).hexdigest()
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**seen_signature_key(mark), "expires": {"N": str(now + keep_seconds)}},
                ConditionExpression="attribute_not_exists(pk) OR expires < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


@dataclass
class RemoteKeys:
    """Other actors' public keys: fetched from the key's URL (its actor document), kept in the table."""

    table: str
    allow_private: bool = False  # the local stack: peers on 127.0.0.1, over http
    client: DynamoDBClient = field(default_factory=clients.dynamodb)
    signed_get: Callable[[str], dict[str, str]] | None = None  # headers that sign our GET (authorized fetch)

    def key(self, key_id: str, *, fresh: bool = False) -> RemoteKey:
        """The key `key_id` names, from the table unless `fresh` or a day old; KeyUnavailable if none."""
        if not fresh and (kept := self.cached(key_id)) and time.time() - kept.fetched_at < KEY_CACHE_SECONDS:
            return kept
        found = self.fetch(key_id)
        self.client.put_item(
            TableName=self.table,
            Item={
                **remote_key_key(key_id),
                "owner": {"S": found.owner},
                "pem": {"S": found.pem},
                "inbox": {"S": found.inbox},
                "fetched_at": {"N": str(found.fetched_at)},
            },
        )
        return found

    def cached(self, key_id: str) -> RemoteKey | None:
        """The key as last fetched, however old (an actor that deleted itself can no longer be fetched)."""
        item = self.client.get_item(TableName=self.table, Key=remote_key_key(key_id)).get("Item")
        try:
            return (
                RemoteKey(
                    key_id,
                    item["owner"]["S"],
                    item["pem"]["S"],
                    item["inbox"]["S"],
                    float(item["fetched_at"]["N"]),
                )
                if item
                else None
            )
        except (KeyError, TypeError, ValueError):
            log.warning("a kept key is damaged: fetched again", extra={"key": key_id})
            return None

    def fetch(self, key_id: str) -> RemoteKey:
        document = self.actor(key_id.split("#", 1)[0])
        key = document.get("publicKey")
        if isinstance(key, list):
            key = next((k for k in key if isinstance(k, dict) and k.get("id") == key_id), None)
        if isinstance(document.get("publicKeyPem"), str):  # the key's own document (owner names the actor)
            key, owner = document, document.get("owner")
            document = self.actor(owner) if isinstance(owner, str) else {}
        if (
            not isinstance(key, dict)
            or key.get("id") != key_id
            or not isinstance(key.get("publicKeyPem"), str)
        ):
            raise KeyUnavailable(f"{key_id} names no public key")
        owner = key.get("owner")
        if not isinstance(owner, str) or owner != document.get("id"):
            raise KeyUnavailable(f"{key_id}'s owner is not the actor that shows it")
        if urlsplit(owner).netloc.lower() != urlsplit(key_id).netloc.lower():
            raise KeyUnavailable(f"{key_id} is on another server than its owner {owner}")  # a borrowed name
        endpoints = document.get("endpoints")
        shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
        inbox = shared if isinstance(shared, str) else document.get("inbox")
        if not isinstance(inbox, str):
            raise KeyUnavailable(f"{owner} has no inbox")  # checked as a URL we may reach when delivered to
        return RemoteKey(key_id, owner, key["publicKeyPem"], inbox, time.time())

    def actor(self, url: str) -> dict[str, Any]:
        """An actor's (or key's) document, as its own server names it; KeyUnavailable if it cannot be had."""
        try:
            http.checked(url, allow_private=self.allow_private)
            headers = {"Accept": ACCEPT, **(self.signed_get(url) if self.signed_get else {})}
            document = http.get_json(url, headers, FETCH_TIMEOUT_SECONDS, MAX_ACTOR_BYTES)
        except (http.Refused, http.PostFailed) as failed:
            raise KeyUnavailable(str(failed)) from None
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise KeyUnavailable(f"{url} is not a JSON object with an id")
        if urlsplit(document["id"]).netloc.lower() != urlsplit(url).netloc.lower():
            raise KeyUnavailable(f"{url} answered a document of another server ({document['id']})")
        return document


@dataclass
class ActorKeyStore:
    """Our actors' signing key, in Secrets Manager: made on first use (the template can only make a random
    string), by whichever function comes first; a second one racing it keeps the first one's."""

    secret_arn: str
    client: Any = field(default_factory=lambda: clients._client("secretsmanager"))

    def private_key(self, make: Callable[[], str]) -> str:
        value = self.client.get_secret_value(SecretId=self.secret_arn)["SecretString"]
        if "PRIVATE KEY-----" in value:
            return str(value)
        # One token for the key's version: a second writer is refused, and reads the first one's key.
        with contextlib.suppress(self.client.exceptions.ResourceExistsException):
            self.client.put_secret_value(
                SecretId=self.secret_arn,
                SecretString=make(),
                ClientRequestToken="actor-key-0000000000000000000000000001",
            )
        return str(self.client.get_secret_value(SecretId=self.secret_arn)["SecretString"])


@dataclass
class DeliveryQueue:
    """The publisher's and the inbox's side of delivery: messages for the federation function."""

    queue_url: str
    client: SQSClient = field(default_factory=clients.sqs)

    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        batch.send_all(self.client, self.queue_url, list(messages))


def post_activity(inbox: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> int:
    """POST a signed activity to an inbox; its status, or http.PostFailed (with the status, if any), or
    http.Refused for an inbox we may not reach (another scheme, a private address)."""
    http.checked(inbox, allow_private=allow_private)
    return http.post(inbox, body, {"Content-Type": ACTIVITY_JSON, **headers}, FETCH_TIMEOUT_SECONDS)


def as_json(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode()
