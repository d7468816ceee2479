"""The content table: article records, upload records and list entries (layout in `items`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import clients
from newsfeed.dal.errors import error_code
from newsfeed.dal.items import (
    SCOPES_PK,
    Item,
    article_key,
    card_from_item,
    list_entry_item,
    list_entry_key,
    list_pk,
    record_from_item,
    record_item,
    revision_from_item,
    revision_item,
    revision_pk,
    scope_from_item,
    to_attributes,
    upload_from_item,
    upload_item,
    upload_key,
)
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Gone, Moved
from newsfeed.models.errors import ConcurrentChange, ServiceUnavailable, StaleChange
from newsfeed.models.scope import Scope, ScopeKind

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from newsfeed.models.content import ContentChange
    from newsfeed.models.upload import UploadRecord

BATCH_GET_LIMIT = 100


def _unchanged_condition(record: ArticleRecord | None) -> tuple[str, dict[str, Any]]:
    """A condition that holds only while the stored record is still `record` (None: no record)."""
    if record is None:
        return "attribute_not_exists(pk)", {}
    values: dict[str, Any] = {":id": record.id, ":status": record.status}
    expression = "id = :id AND #status = :status"
    if isinstance(record, Article):
        expression += " AND revision = :revision AND content_hash = :hash"
        values |= {":revision": record.revision, ":hash": record.content_hash}
    elif isinstance(record, Moved):
        expression += " AND moved_to = :moved_to"
        values[":moved_to"] = record.moved_to
    elif isinstance(record, Gone):
        expression += " AND unpublished_at = :at"
        values[":at"] = record.model_dump(mode="json")["unpublished_at"]
    return expression, values


def _put(table: str, item: Item, condition: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": item}
    if condition:
        expression, values = condition
        put["ConditionExpression"] = expression
        if "#status" in expression:
            put["ExpressionAttributeNames"] = {"#status": "status"}
        if values:
            put["ExpressionAttributeValues"] = to_attributes(values)
    return {"Put": put}


class ContentTable:
    """Implements the ingest's ContentStore, and the reads of the API and the publisher.

    A plain class rather than a dataclass: the API function imports it at cold start.
    """

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client = client or clients.dynamodb()

    # -- reads ---------------------------------------------------------------------------------------

    def article_record(self, slug: str, *, consistent: bool = True) -> ArticleRecord | None:
        response = self.client.get_item(
            TableName=self.table, Key=article_key(slug), ConsistentRead=consistent
        )
        item = response.get("Item")
        return record_from_item(item) if item else None

    def upload_record(self, key: str) -> UploadRecord | None:
        response = self.client.get_item(TableName=self.table, Key=upload_key(key), ConsistentRead=True)
        item = response.get("Item")
        return upload_from_item(item) if item else None

    def list_page(
        self,
        scope: Scope,
        limit: int,
        after: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        where: dict[str, str] | None = None,
        consistent: bool = False,
    ) -> tuple[list[ArticleCard], str | None]:
        """Newest first: up to `limit` cards after sort key `after`, and the sort key to continue from.

        `since`/`until` (RFC 3339 UTC, as stored) bound the publication time in the key condition; `where`
        filters on other attributes (a value of a list attribute matches if the list contains it). One
        Query, bounded by `limit` (a filtered page may hold fewer items; `next` still continues it).
        """
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": list_pk(scope)}}
        if since or until:
            condition += " AND sk BETWEEN :since AND :until"
            values[":since"] = {"S": since or "0"}
            values[":until"] = {"S": f"{until}#~" if until else "~"}
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "Limit": limit,
            "ConsistentRead": consistent,
        }
        filters = []
        for n, (attribute, value) in enumerate(sorted((where or {}).items())):
            values[f":f{n}"] = {"S": value}
            query.setdefault("ExpressionAttributeNames", {})[f"#f{n}"] = attribute
            filters.append(f"contains(#f{n}, :f{n})" if attribute.endswith("_slugs") else f"#f{n} = :f{n}")
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        query["ExpressionAttributeValues"] = values
        if after:
            query["ExclusiveStartKey"] = {"pk": {"S": list_pk(scope)}, "sk": {"S": after}}
        response = self.client.query(**query)
        cards = [card_from_item(item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return cards, (last["sk"]["S"] if last else None)

    def scopes(
        self, limit: int, after: str | None = None, kind: ScopeKind | None = None
    ) -> tuple[list[Scope], str | None]:
        """Sections and tags that have feeds (of one kind, or both), by kind then slug: one bounded Query."""
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": SCOPES_PK}}
        if kind is not None:
            condition += " AND begins_with(sk, :kind)"
            values[":kind"] = {"S": f"{kind.value}#"}
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = {"pk": {"S": SCOPES_PK}, "sk": {"S": after}}
        response = self.client.query(**query)
        last = response.get("LastEvaluatedKey")
        return [scope_from_item(item) for item in response.get("Items", [])], (
            last["sk"]["S"] if last else None
        )

    def revisions(self, article_id: str, limit: int) -> list[Article]:
        """An article's newest `limit` revisions, newest first: one Query."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": revision_pk(article_id)}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [revision_from_item(item) for item in response.get("Items", [])]

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        cards: list[ArticleCard] = []
        for scope in scopes:
            cards += self.list_page(scope, limit)[0]
        return cards

    def newest_articles(self, scope: Scope, limit: int) -> list[Article]:
        """The newest `limit` published articles of a scope, full bodies included: one Query, one BatchGet."""
        cards, _ = self.list_page(scope, limit, consistent=True)
        return self.articles_of(cards)

    def articles_of(self, cards: Sequence[ArticleCard]) -> list[Article]:
        """The published articles the cards stand for, in the cards' order (one BatchGetItem per 100)."""
        by_slug = self.articles_by_slug([card.slug for card in cards])
        articles = [by_slug.get(card.slug) for card in cards]
        return [
            a
            for a, card in zip(articles, cards, strict=True)
            if a is not None and a.is_public and a.id == card.id
        ]

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]:
        """slug -> article, following one redirect for slugs that have since changed."""
        records = self._records_by_slug(slugs)
        moved = {slug: r.moved_to for slug, r in records.items() if isinstance(r, Moved)}
        targets = self._records_by_slug(list(moved.values())) if moved else {}
        found = {slug: r for slug, r in records.items() if isinstance(r, Article)}
        for slug, target in moved.items():
            record = targets.get(target)
            if isinstance(record, Article):
                found[slug] = record
        return found

    def recent_cards(self, scope: Scope, since: str, limit: int) -> list[ArticleCard]:
        """Cards of a scope published at or after sort key `since`, newest first, at most `limit`."""
        cards: list[ArticleCard] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":pk": {"S": list_pk(scope)}, ":since": {"S": since}},
            "ScanIndexForward": False,
        }
        while len(cards) < limit:
            response = self.client.query(**query, Limit=limit - len(cards))
            cards += [card_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return cards

    def _records_by_slug(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        found: dict[str, ArticleRecord] = {}
        pending = [article_key(slug) for slug in dict.fromkeys(slugs)]
        while pending:
            batch, pending = pending[:BATCH_GET_LIMIT], pending[BATCH_GET_LIMIT:]
            request: Any = {self.table: {"Keys": batch, "ConsistentRead": True}}
            for _ in range(8):
                response = self.client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table, []):
                    record = record_from_item(item)
                    found[record.slug] = record
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise ServiceUnavailable("DynamoDB kept keys unprocessed in BatchGetItem")
        return found

    # -- the ingest's one write ----------------------------------------------------------------------

    def save(self, change: ContentChange) -> None:
        """Apply `change` in one transaction (see ContentChange for the conditions)."""
        table = self.table
        ops = [
            _put(
                table,
                upload_item(change.upload),
                ("attribute_not_exists(pk) OR change_order < :order", {":order": change.upload.order}),
            )
        ]
        if change.record is not None:
            ops.append(_put(table, record_item(change.record), _unchanged_condition(change.replaces)))
        if change.redirect is not None:
            ops.append(
                _put(table, record_item(change.redirect), _unchanged_condition(change.redirect_replaces))
            )
        ops += [
            {"Delete": {"TableName": table, "Key": list_entry_key(e.scope, e.card)}}
            for e in change.list_deletes
        ]
        ops += [_put(table, list_entry_item(e.scope, e.card)) for e in change.list_puts]
        if change.revision is not None:
            ops.append(_put(table, revision_item(change.revision)))
        self._transact(ops)

    def _transact(self, ops: list[dict[str, Any]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise ServiceUnavailable(f"DynamoDB TransactWriteItems failed: {error}") from error
            cancellations: list[dict[str, Any]] = error.response.get("CancellationReasons", [])  # type: ignore[assignment]
            reasons = [r.get("Code") for r in cancellations]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleChange from None
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise ConcurrentChange from None
            raise ServiceUnavailable(f"DynamoDB cancelled the transaction: {reasons}") from error
