"""Feed bookkeeping in the content table: RFC 5005 archive pages and the registry of scopes that have feeds
(their items' keys: `dal.keys`).

An article's `seq` is assigned once when it enters a scope, so page n (seq n*P ... n*P+P-1) never changes once
full, except when one of its articles is unpublished. Every access is a GetItem, a BatchGetItem or a Query
bounded by the page size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import batch, clients
from newsfeed.dal.errors import error_code
from newsfeed.dal.items import card_from_item
from newsfeed.dal.keys import (
    archive_counter_key,
    archive_entry_key,
    archive_member_id,
    archive_member_key,
    archive_page_pk,
    scope_key,
)
from newsfeed.dal.stored import to_attributes
from newsfeed.models import limits
from newsfeed.models.article import ArticleCard
from newsfeed.models.errors import ConcurrentChange, retry_on_conflict
from newsfeed.models.scope import Scope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_CHUNK = 30  # articles entered per transaction (two items each, plus the counter)


@dataclass
class FeedBookkeeping:
    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)
    page_size: int = limits.ARCHIVE_PAGE_ITEMS

    def entered(self, scope: Scope) -> int:
        """How many articles have ever entered the scope's archive (the next seq)."""
        response = self.client.get_item(
            TableName=self.table, Key=archive_counter_key(scope), ConsistentRead=True
        )
        item = response.get("Item")
        return int(item["entered"]["N"]) if item else 0

    def seqs(self, scope: Scope, ids: Sequence[str]) -> dict[str, int]:
        """article id -> seq, for those of `ids` already in the scope's archive."""
        keys = [archive_member_key(scope, i) for i in dict.fromkeys(ids)]
        found = {
            archive_member_id(item): int(item["seq"]["N"])
            for item in batch.get_all(self.client, self.table, keys, consistent=True)
        }
        return found

    def enter(self, scope: Scope, cards: Sequence[ArticleCard]) -> set[int]:
        """Give each card not yet archived in `scope` the next seq; returns the pages that gained articles."""
        pages: set[int] = set()
        unique = {card.id: card for card in cards}
        archived = self.seqs(scope, list(unique))
        pending = [card for card_id, card in unique.items() if card_id not in archived]
        for start in range(0, len(pending), _CHUNK):
            pages |= self._enter_chunk(scope, pending[start : start + _CHUNK])
        return pages

    def _enter_chunk(self, scope: Scope, cards: list[ArticleCard]) -> set[int]:
        """Number the cards from the archive's counter, on the condition that it has not moved (another
        publisher archiving at once): redone from a fresh read of the counter when it has."""

        def attempt() -> set[int]:
            start = self.entered(scope)
            counter = {
                "Update": {
                    "TableName": self.table,
                    "Key": archive_counter_key(scope),
                    "UpdateExpression": "SET entered = :next",
                    "ConditionExpression": "attribute_not_exists(pk) OR entered = :start",
                    "ExpressionAttributeValues": to_attributes(
                        {":next": start + len(cards), ":start": start}
                    ),
                }
            }
            ops: list[dict[str, Any]] = [counter]
            for seq, card in enumerate(cards, start):
                ops.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {**archive_member_key(scope, card.id), "seq": {"N": str(seq)}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                )
                entry = card.model_dump(mode="json", exclude_none=True)
                ops.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **archive_entry_key(scope, seq, self.page_size),
                                **to_attributes(entry),
                            },
                        }
                    }
                )
            try:
                self.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
            except ClientError as error:
                if error_code(error) == "TransactionCanceledException":
                    raise ConcurrentChange from None  # the counter moved, or one of these was archived first
                raise
            return {seq // self.page_size for seq in range(start, start + len(cards))}

        return retry_on_conflict(attempt)

    def leave(self, scope: Scope, article_ids: Sequence[str]) -> set[int]:
        """Take articles out of the scope's archive (unpublished); returns the pages that lost articles."""
        pages: set[int] = set()
        for article_id, seq in self.seqs(scope, article_ids).items():
            page = seq // self.page_size
            self.client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": archive_member_key(scope, article_id)}},
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": archive_entry_key(scope, seq, self.page_size),
                        }
                    },
                ]
            )
            pages.add(page)
        return pages

    def page(self, scope: Scope, page: int) -> list[ArticleCard]:
        """The cards of an archive page, newest entry first (one Query of at most a page)."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": archive_page_pk(scope, page)}},
            ScanIndexForward=False,
            Limit=self.page_size,
            ConsistentRead=True,
        )
        return [card_from_item(item) for item in response.get("Items", [])]

    # -- the registry of scopes with feeds ------------------------------------------------------------

    def unregister(self, scope: Scope) -> None:
        self.client.delete_item(TableName=self.table, Key=scope_key(scope))

    def register(self, scope: Scope) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                **scope_key(scope),
                **to_attributes(
                    {"kind": scope.kind.value, "slug": scope.slug, "name": scope.name or scope.slug}
                ),
            },
        )
