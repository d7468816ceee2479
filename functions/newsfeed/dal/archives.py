"""Feed bookkeeping in the content table: RFC 5005 archive pages and the registry of scopes that have feeds
(their items' keys: `dal.keys`).

An article's `seq` is assigned once when it enters a scope, so page n (seq n*P ... n*P+P-1) never changes once
full, except when one of its articles is unpublished. Every access is a GetItem, a BatchGetItem or a Query
bounded by the page size.

Two lanes change the archives at once (live changes in the stream's order, bulk ones later and in any
order), so each entry and exit carries the stamp of the change it comes from (`dal.items.change_stamp`): a
member keeps the stamp it was entered with, an exit leaves a marker with its stamp, and a change older than
the one a member (or marker) has is ignored. Whatever order the lanes apply them in, the archive ends as the
newest change of each article says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import batch, clients
from newsfeed.dal.errors import error_code, unless_condition_fails
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


@dataclass(frozen=True)
class _Member:
    """An article's member item in a scope's archive: its seq while archived (None: it left), and the stamp
    of the change that put it there or took it out ("" if none was given)."""

    seq: int | None
    stamp: str


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
        """article id -> seq, for those of `ids` in the scope's archive now."""
        return {i: m.seq for i, m in self._members(scope, ids).items() if m.seq is not None}

    def _members(self, scope: Scope, ids: Sequence[str]) -> dict[str, _Member]:
        keys = [archive_member_key(scope, i) for i in dict.fromkeys(ids)]
        return {
            archive_member_id(item): _Member(
                int(item["seq"]["N"]) if "seq" in item else None,
                str((item.get("stamp") or item.get("left") or {}).get("S", "")),
            )
            for item in batch.get_all(self.client, self.table, keys, consistent=True)
        }

    def enter(
        self, scope: Scope, cards: Sequence[ArticleCard], stamps: Mapping[str, str] | None = None
    ) -> set[int]:
        """Give each card not yet archived in `scope` the next seq; returns the pages that gained articles.
        `stamps` (article id -> its change's stamp): a card whose article left later is not entered, and one
        archived already takes the newer stamp."""
        stamps = stamps or {}
        pages: set[int] = set()
        unique = {card.id: card for card in cards}
        members = self._members(scope, list(unique))
        pending = []
        for card_id, card in unique.items():
            member, stamp = members.get(card_id), stamps.get(card_id, "")
            if member is None or (member.seq is None and member.stamp < stamp):
                pending.append(card)
            elif member.seq is not None and member.stamp < stamp:
                self._restamp(scope, card_id, member, stamp)
        for start in range(0, len(pending), _CHUNK):
            pages |= self._enter_chunk(scope, pending[start : start + _CHUNK], stamps)
        return pages

    def _restamp(self, scope: Scope, article_id: str, member: _Member, stamp: str) -> None:
        """An archived article's newer change keeps it there: an older exit must no longer take it out."""
        with unless_condition_fails():  # it left, or a newer change got there first
            self.client.update_item(
                TableName=self.table,
                Key=archive_member_key(scope, article_id),
                UpdateExpression="SET stamp = :stamp",
                ConditionExpression="seq = :seq AND (attribute_not_exists(stamp) OR stamp < :stamp)",
                ExpressionAttributeValues=to_attributes({":stamp": stamp, ":seq": member.seq}),
            )

    def _enter_chunk(self, scope: Scope, cards: list[ArticleCard], stamps: Mapping[str, str]) -> set[int]:
        """Number the cards from the archive's counter, on the condition that it has not moved (another
        publisher archiving at once) and that no newer change took any of them in or out meanwhile: redone
        from fresh reads when either happened."""

        def attempt() -> set[int]:
            members = self._members(scope, [card.id for card in cards])
            fresh = [
                c
                for c in cards
                if c.id not in members
                or (members[c.id].seq is None and members[c.id].stamp < stamps.get(c.id, ""))
            ]
            if not fresh:
                return set()
            start = self.entered(scope)
            counter = {
                "Update": {
                    "TableName": self.table,
                    "Key": archive_counter_key(scope),
                    "UpdateExpression": "SET entered = :next",
                    "ConditionExpression": "attribute_not_exists(pk) OR entered = :start",
                    "ExpressionAttributeValues": to_attributes(
                        {":next": start + len(fresh), ":start": start}
                    ),
                }
            }
            ops: list[dict[str, Any]] = [counter]
            for seq, card in enumerate(fresh, start):
                stamp = stamps.get(card.id, "")
                member = {**archive_member_key(scope, card.id), "seq": {"N": str(seq)}}
                if stamp:
                    member["stamp"] = {"S": stamp}
                ops.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": member,
                            "ConditionExpression": "attribute_not_exists(pk) OR "
                            "(attribute_not_exists(seq) AND #left < :stamp)",
                            "ExpressionAttributeNames": {"#left": "left"},
                            "ExpressionAttributeValues": {":stamp": {"S": stamp}},
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
            self._transact(ops)
            return {seq // self.page_size for seq in range(start, start + len(fresh))}

        return retry_on_conflict(attempt)

    def leave(
        self, scope: Scope, article_ids: Sequence[str], stamps: Mapping[str, str] | None = None
    ) -> set[int]:
        """Take articles out of the scope's archive (unpublished); returns the pages that lost articles.
        With `stamps`, an exit older than the change that archived the article is ignored, and each exit
        leaves its stamp behind, so that an older entry arriving later is ignored too."""
        stamps = stamps or {}

        def attempt() -> set[int]:
            pages: set[int] = set()
            members = self._members(scope, article_ids)
            for article_id in dict.fromkeys(article_ids):
                member, stamp = members.get(article_id), stamps.get(article_id, "")
                if member is None:
                    if stamp:  # not archived yet: an older entry arriving later must not archive it
                        self._transact([self._exit(scope, article_id, stamp, None)])
                elif stamp and member.stamp >= stamp:
                    continue  # a newer change archived it (or took it out) already
                elif member.seq is not None:
                    self._transact(
                        [self._exit(scope, article_id, stamp, member), self._unlist(scope, member.seq)]
                    )
                    pages.add(member.seq // self.page_size)
                elif stamp:
                    self._transact([self._exit(scope, article_id, stamp, member)])
            return pages

        return retry_on_conflict(attempt)

    def _exit(self, scope: Scope, article_id: str, stamp: str, member: _Member | None) -> dict[str, Any]:
        """The member item's exit: a marker with the exit's stamp (deleted when unstamped), on the condition
        that the member is still as read."""
        key = archive_member_key(scope, article_id)
        if member is None:
            condition, values = "attribute_not_exists(pk)", {}
        elif member.seq is not None:
            condition, values = "seq = :seq", {":seq": {"N": str(member.seq)}}
        else:
            condition, values = "#left = :was", {":was": {"S": member.stamp}}
        names = {"#left": "left"} if "#left" in condition else {}
        if not stamp:
            return {
                "Delete": {
                    "TableName": self.table,
                    "Key": key,
                    "ConditionExpression": condition,
                    **({"ExpressionAttributeNames": names} if names else {}),
                    **({"ExpressionAttributeValues": values} if values else {}),
                }
            }
        return {
            "Put": {
                "TableName": self.table,
                "Item": {**key, "left": {"S": stamp}},
                "ConditionExpression": condition,
                **({"ExpressionAttributeNames": names} if names else {}),
                **({"ExpressionAttributeValues": values} if values else {}),
            }
        }

    def _unlist(self, scope: Scope, seq: int) -> dict[str, Any]:
        return {"Delete": {"TableName": self.table, "Key": archive_entry_key(scope, seq, self.page_size)}}

    def _transact(self, ops: list[dict[str, Any]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise ConcurrentChange from None  # the counter moved, or a member changed since it was read
            raise

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
