"""The articles and their uploads in the content table: records read one by one or in batches, revisions,
and the ingest's one write (a transaction per upload change). Implements the ingest's ContentStore and
BulkContentStore; the key of every item is `dal.keys`'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import batch
from newsfeed.dal.errors import error_code
from newsfeed.dal.items import (
    list_entry_item,
    record_from_item,
    record_from_values,
    record_item,
    related_edge_items,
    revision_from_item,
    revision_item,
    upload_from_item,
    upload_item,
)
from newsfeed.dal.keys import (
    ARTICLE_SK,
    Item,
    article_key,
    list_entry_key,
    revision_pk,
    upload_key,
)
from newsfeed.dal.paging import every_item
from newsfeed.dal.stored import StoredArticles, to_attributes
from newsfeed.models.article import Article, ArticleRecord, Moved, Unpublished
from newsfeed.models.errors import ConcurrentChange, ServiceUnavailable, StaleChange

if TYPE_CHECKING:
    from newsfeed.models.content import ContentChange
    from newsfeed.models.upload import UploadRecord

MAX_TRANSACTION_ITEMS = 100


def _op_key(op: dict[str, Any]) -> str:
    """The item a transaction operation writes, as a comparable string."""
    ((_, body),) = op.items()
    key = body.get("Key") or {"pk": body["Item"]["pk"], "sk": body["Item"]["sk"]}
    return f"{key['pk']['S']}\x00{key['sk']['S']}"


def unchanged_condition(record: ArticleRecord | None) -> tuple[str, dict[str, Any]]:
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
    elif isinstance(record, Unpublished):
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


class ArticleStore(StoredArticles):
    """Article and upload records."""

    def article_record(self, slug: str, *, consistent: bool = True) -> ArticleRecord | None:
        values = self.stored_article(slug, consistent=consistent)
        return record_from_values(values) if values else None

    def upload_record(self, key: str) -> UploadRecord | None:
        response = self.client.get_item(TableName=self.table, Key=upload_key(key), ConsistentRead=True)
        item = response.get("Item")
        return upload_from_item(item) if item else None

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        """slug -> what is stored there, for those of `slugs` that have a record."""
        return {
            record.slug: record for record in map(record_from_item, self._batch_get(map(article_key, slugs)))
        }

    def upload_records(self, keys: Sequence[str]) -> dict[str, UploadRecord]:
        """upload key -> its record, for those of `keys` that have one."""
        return {
            record.key: record for record in map(upload_from_item, self._batch_get(map(upload_key, keys)))
        }

    def _batch_get(self, keys: Iterable[Item]) -> list[Item]:
        """The items at `keys` (strongly consistent): one BatchGetItem per 100."""
        return batch.get_all(self.client, self.table, keys, consistent=True)

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]:
        """slug -> article, following one redirect for slugs that have since changed."""
        records = self.article_records(slugs)
        moved = {slug: r.moved_to for slug, r in records.items() if isinstance(r, Moved)}
        targets = self.article_records(list(moved.values())) if moved else {}
        found = {slug: r for slug, r in records.items() if isinstance(r, Article)}
        for slug, target in moved.items():
            record = targets.get(target)
            if isinstance(record, Article):
                found[slug] = record
        return found

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

    def article_by_id(self, article_id: str) -> Article | None:
        """The article with this id as it stands at its slug now, if it is stored there: two reads (its newest
        revision names its slug)."""
        newest = self.revisions(article_id, 1)
        if not newest:
            return None
        record = self.article_records([newest[0].slug]).get(newest[0].slug)
        return record if isinstance(record, Article) and record.id == article_id else None

    def all_articles(self) -> Iterator[Article]:
        """Every stored article, whatever its status (not what is left at unpublished or moved slugs).

        A paginated Scan: for `newsfeed export` on an editor's credentials only. No function may Scan
        (template.yaml grants none), since a Scan reads the whole table.
        """
        scan: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "sk = :sk AND #status IN (:published, :scheduled, :draft)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_attributes(
                {":sk": ARTICLE_SK, ":published": "published", ":scheduled": "scheduled", ":draft": "draft"}
            ),
            "ConsistentRead": True,
        }
        for item in every_item(self.client, "scan", scan):
            record = record_from_item(item)
            if isinstance(record, Article):
                yield record

    def save(self, change: ContentChange) -> None:
        """Apply `change` in one transaction (see ContentChange for the conditions)."""
        self._transact(self._ops(change), upload_first=change.upload is not None)

    def save_all(self, changes: Sequence[ContentChange]) -> list[int]:
        """Apply many changes, packed into transactions of up to 100 writes that never touch an item twice
        (each all or nothing, in order); the indexes of the changes whose transaction was cancelled."""
        groups: list[tuple[list[int], list[dict[str, Any]]]] = []
        touched: set[str] = set()
        for index, change in enumerate(changes):
            ops = self._ops(change)
            keys = {_op_key(op) for op in ops}
            if not groups or len(groups[-1][1]) + len(ops) > MAX_TRANSACTION_ITEMS or keys & touched:
                groups.append(([], []))
                touched = set()
            groups[-1][0].append(index)
            groups[-1][1].extend(ops)
            touched |= keys
        failed: list[int] = []
        for indexes, ops in groups:
            try:
                self._transact(ops, upload_first=False)
            except ConcurrentChange:
                failed += indexes
        return failed

    def _ops(self, change: ContentChange) -> list[dict[str, Any]]:
        table = self.table
        ops = []
        bulk = change.upload is not None and change.upload.imported
        if change.upload is not None:
            condition = ("attribute_not_exists(pk) OR change_order < :order", {":order": change.upload.order})
            ops.append(_put(table, upload_item(change.upload), condition))
        if change.record is not None:
            ops.append(
                _put(table, record_item(change.record, bulk=bulk), unchanged_condition(change.replaces))
            )
        if change.redirect is not None:
            redirect = record_item(change.redirect, bulk=bulk)
            ops.append(_put(table, redirect, unchanged_condition(change.redirect_replaces)))
        ops += [
            {"Delete": {"TableName": table, "Key": list_entry_key(e.scope, e.card)}}
            for e in change.list_deletes
        ]
        ops += [_put(table, list_entry_item(e.scope, e.card)) for e in change.list_puts]
        if change.revision is not None:
            ops.append(_put(table, revision_item(change.revision)))
        if isinstance(change.record, Article) and change.record.is_public:
            ops += [_put(table, edge) for edge in related_edge_items(change.record)]
        return ops

    def _transact(self, ops: list[dict[str, Any]], *, upload_first: bool) -> None:
        """Run the transaction; an upload record's failed condition (the first op) means StaleChange."""
        try:
            self.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise ServiceUnavailable(f"DynamoDB TransactWriteItems failed: {error}") from error
            cancellations: list[dict[str, Any]] = error.response.get("CancellationReasons", [])  # type: ignore[assignment]
            reasons = [r.get("Code") for r in cancellations]
            if upload_first and reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleChange from None
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise ConcurrentChange from None
            raise ServiceUnavailable(f"DynamoDB cancelled the transaction: {reasons}") from error
