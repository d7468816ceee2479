"""Batch calls, whole: DynamoDB's BatchGetItem by GET_LIMIT keys and BatchWriteItem by WRITE_LIMIT requests,
what DynamoDB leaves unprocessed asked for again after a short, growing pause; SQS's SendMessageBatch by
SEND_LIMIT messages; and `each`, which keeps several requests in flight at once (a call waits mostly on the
network, so a batch of thousands of items takes the time of a few round trips instead of one per chunk)."""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from newsfeed.dal.keys import Item
from newsfeed.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

GET_LIMIT = 100
WRITE_LIMIT = 25
SEND_LIMIT = 10
ATTEMPTS = 8
PAUSE = 0.02  # seconds before the first retry; doubles each time
IN_FLIGHT = 8  # requests at once from one caller (within dal.clients' connection pool)

T = TypeVar("T")
R = TypeVar("R")


def each(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`work` done for each item, up to IN_FLIGHT at once (boto3's clients are safe across threads); the
    answers in the items' order."""
    if len(items) < 2:
        return [work(item) for item in items]
    caller = (
        contextvars.copy_context()
    )  # what the caller's requests carry (the local stack's lane) goes along

    def in_context(item: T) -> R:
        return caller.copy().run(work, item)

    with ThreadPoolExecutor(max_workers=min(IN_FLIGHT, len(items))) as pool:
        return list(pool.map(in_context, items))


def get_all(client: DynamoDBClient, table: str, keys: Iterable[Item], *, consistent: bool) -> list[Item]:
    """The items at `keys` (each key once), in no particular order."""
    pending = list({json.dumps(key, sort_keys=True): key for key in keys}.values())

    def get(chunk: list[Item]) -> list[Item]:
        found: list[Item] = []
        request: Any = {table: {"Keys": chunk, "ConsistentRead": consistent}}
        for attempt in range(ATTEMPTS):
            response = client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(PAUSE * 2**attempt)
        raise ServiceUnavailable("DynamoDB kept keys unprocessed in BatchGetItem")

    chunks = [pending[start : start + GET_LIMIT] for start in range(0, len(pending), GET_LIMIT)]
    return [item for found in each(get, chunks) for item in found]


def write_all(client: DynamoDBClient, table: str, requests: list[dict[str, Any]]) -> None:
    """Apply PutRequests and DeleteRequests (no two on one key), 25 a call."""

    def write(chunk: list[dict[str, Any]]) -> None:
        pending: Any = {table: chunk}
        for attempt in range(ATTEMPTS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(PAUSE * 2**attempt)
        raise ServiceUnavailable("DynamoDB kept items unprocessed in BatchWriteItem")

    each(write, [requests[start : start + WRITE_LIMIT] for start in range(0, len(requests), WRITE_LIMIT)])


def put_and_delete(client: DynamoDBClient, table: str, puts: Sequence[Item], deletes: Iterable[Item]) -> None:
    """Put `puts` and delete the items at the keys `deletes`, 25 a BatchWriteItem; a key both put and deleted
    is put (BatchWriteItem refuses two requests on one key), a key deleted twice is deleted once."""
    put = {(item["pk"]["S"], item["sk"]["S"]) for item in puts}
    gone = {(key["pk"]["S"], key["sk"]["S"]): key for key in deletes}
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in puts]
    requests += [{"DeleteRequest": {"Key": key}} for pair, key in gone.items() if pair not in put]
    write_all(client, table, requests)


def send_all(client: SQSClient, queue_url: str, bodies: Sequence[object]) -> None:
    """Send each body (as JSON) to the queue: one SendMessageBatch per SEND_LIMIT."""
    for start in range(0, len(bodies), SEND_LIMIT):
        chunk = bodies[start : start + SEND_LIMIT]
        client.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "MessageBody": json.dumps(body)} for n, body in enumerate(chunk)],
        )
