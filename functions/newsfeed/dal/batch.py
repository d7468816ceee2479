"""DynamoDB's batch calls, whole: BatchGetItem by 100 keys, BatchWriteItem by 25 requests, what DynamoDB
leaves unprocessed asked for again after a short, growing pause."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from newsfeed.dal.keys import Item
from newsfeed.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GET_LIMIT = 100
WRITE_LIMIT = 25
ATTEMPTS = 8
PAUSE = 0.02  # seconds before the first retry; doubles each time


def get_all(client: DynamoDBClient, table: str, keys: Iterable[Item], *, consistent: bool) -> list[Item]:
    """The items at `keys` (each key once), in no particular order."""
    found: list[Item] = []
    pending = list({json.dumps(key, sort_keys=True): key for key in keys}.values())
    for start in range(0, len(pending), GET_LIMIT):
        request: Any = {table: {"Keys": pending[start : start + GET_LIMIT], "ConsistentRead": consistent}}
        for attempt in range(ATTEMPTS):
            response = client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(PAUSE * 2**attempt)
        else:
            raise ServiceUnavailable("DynamoDB kept keys unprocessed in BatchGetItem")
    return found


def write_all(client: DynamoDBClient, table: str, requests: list[dict[str, Any]]) -> None:
    """Apply PutRequests and DeleteRequests (no two on one key), 25 a call."""
    for start in range(0, len(requests), WRITE_LIMIT):
        pending: Any = {table: requests[start : start + WRITE_LIMIT]}
        for attempt in range(ATTEMPTS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(PAUSE * 2**attempt)
        else:
            raise ServiceUnavailable("DynamoDB kept items unprocessed in BatchWriteItem")
