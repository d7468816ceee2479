"""Stored values: DynamoDB's attribute-value form to plain values and back, and an article record read as
the plain values it was stored as (it was validated on upload). The read API answers GET /articles/{slug}
from these without building a model: its first answer imports no pydantic
(tests/integration/test_api_cold_start.py)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from newsfeed.dal import clients
from newsfeed.dal.keys import KEY_ATTRIBUTES, Item, article_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

StoredValues = dict[str, Any]
"""An item's attributes as plain values: strings, lists, maps, and numbers as `Decimal`."""


def _exact(value: Any) -> Any:
    """DynamoDB takes numbers as Decimal: a float (a photo's focal point) as the decimal it prints as."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


def to_attributes(values: Mapping[str, Any]) -> Item:
    return {name: _serializer.serialize(_exact(value)) for name, value in values.items() if value is not None}


def from_attributes(item: Mapping[str, Any]) -> StoredValues:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def stored_values(item: Mapping[str, Any]) -> StoredValues:
    """What an item stores, without its key."""
    return from_attributes({name: value for name, value in item.items() if name not in KEY_ATTRIBUTES})


class TableStore:
    """A store of one kind of item in the content table: the table's name and a client."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client = client or clients.dynamodb()


class StoredArticles(TableStore):
    """Article records by slug, as stored: a published or draft article, or what is left at a slug
    (`status` "unpublished" or "moved")."""

    def stored_article(self, slug: str, *, consistent: bool = True) -> StoredValues | None:
        response = self.client.get_item(
            TableName=self.table, Key=article_key(slug), ConsistentRead=consistent
        )
        item = response.get("Item")
        return stored_values(item) if item else None
