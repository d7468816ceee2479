"""Reading the content table a page at a time: the one place that knows DynamoDB's `ExclusiveStartKey` and
`LastEvaluatedKey`. A list's page is continued from the sort key its last item had (the API's cursor)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from newsfeed.dal.keys import Item, key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def page(
    client: DynamoDBClient, request: dict[str, Any], pk: str, after: str | None
) -> tuple[list[Item], str | None]:
    """One Query's page of partition `pk`, after sort key `after`; its items and the sort key to continue
    after (None on the last page)."""
    if after:
        request = {**request, "ExclusiveStartKey": key(pk, after)}
    response = client.query(**request)
    last = response.get("LastEvaluatedKey")
    return list(response.get("Items", [])), (last["sk"]["S"] if last else None)


def every_item(
    client: DynamoDBClient, operation: Literal["query", "scan"], request: dict[str, Any]
) -> Iterator[Item]:
    """Every item a Query or Scan finds, page after page."""
    for response in client.get_paginator(operation).paginate(**request):
        yield from response.get("Items", [])


def count(client: DynamoDBClient, request: dict[str, Any]) -> int:
    """How many items a Query finds (DynamoDB counts them page by page; none are sent back)."""
    pages = client.get_paginator("query").paginate(**request, Select="COUNT")
    return sum(response.get("Count", 0) for response in pages)
