"""The bulk lane's queue (FIFO: a scope's work in order, pages in parallel groups) and its backlog counter,
which the publisher raises before it hands work over and the bulk lane lowers once the work is written."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from newsfeed.dal import clients
from newsfeed.dal.errors import unless_condition_fails
from newsfeed.dal.keys import BACKLOG_KEY
from newsfeed.models.backlog import Backlog, slot, total
from newsfeed.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

_BATCH_ENTRIES = 10  # SQS: entries per SendMessageBatch
_BATCH_BYTES = 200_000  # and under its 256 KB a call, with room for the attributes
RACES = "races"  # a message attribute: how many times its work lost to live work (`BulkLane.send_again`)
SLOT_PREFIX = "slot"  # the backlog's counter of a slot's messages: "slot<number>" (`models.backlog.slot`)


@dataclass
class BacklogCounter:
    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def add(self, backlog: Backlog, sign: int = 1) -> None:
        """Count work in (`sign` 1) or out (-1); a slot's counter is removed once its work is all written."""
        names = {f"#s{n}": f"{SLOT_PREFIX}{handed}" for n, handed in enumerate(backlog.slots)}
        adds = ["pages :pages", "scopes :scopes", *(f"{name} :{name[1:]}" for name in names)]
        values = {f":s{n}": {"N": str(sign * count)} for n, count in enumerate(backlog.slots.values())}
        response = self.client.update_item(
            TableName=self.table,
            Key=BACKLOG_KEY,
            UpdateExpression="ADD " + ", ".join(adds),
            ExpressionAttributeValues={
                ":pages": {"N": str(sign * backlog.pages)},
                ":scopes": {"N": str(sign * backlog.scopes)},
                **values,
            },
            **({"ExpressionAttributeNames": names} if names else {}),  # type: ignore[arg-type]
            ReturnValues="UPDATED_NEW",
        )
        for name, value in response.get("Attributes", {}).items():
            if name.startswith(SLOT_PREFIX) and int(value["N"]) <= 0:
                self._remove_written(name)

    def _remove_written(self, name: str) -> None:
        """Remove a slot's counter if it still says all its work is written (else work came in meanwhile)."""
        with unless_condition_fails():
            self.client.update_item(
                TableName=self.table,
                Key=BACKLOG_KEY,
                UpdateExpression="REMOVE #slot",
                ConditionExpression="#slot <= :none",
                ExpressionAttributeNames={"#slot": name},
                ExpressionAttributeValues={":none": {"N": "0"}},
            )

    def now(self) -> Backlog:
        """As it stands, with the slot the table's clock is in (from its answer's Date)."""
        response = self.client.get_item(TableName=self.table, Key=BACKLOG_KEY, ConsistentRead=True)
        item = response.get("Item", {})
        clock = _seconds(response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date"))
        return Backlog(
            int(item.get("pages", {}).get("N", 0)),
            int(item.get("scopes", {}).get("N", 0)),
            slots={
                handed: int(value["N"])
                for name, value in item.items()
                if (handed := _slot_named(name)) is not None and "N" in value
            },
            read_in=slot(clock) if clock is not None else None,
        )


def _number(text: str) -> int | None:
    """A count or slot number we wrote (plain digits, no sign, of a sane length); None for anything else."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def races_lost(record: Mapping[str, Any]) -> int:
    """How many times a received message's work has lost to live work and been queued again."""
    return _number(record.get("messageAttributes", {}).get(RACES, {}).get("stringValue", "0")) or 0


def _slot_named(name: str) -> int | None:
    """The slot a counter's attribute name stands for (None: not a slot's counter)."""
    return _number(name.removeprefix(SLOT_PREFIX)) if name.startswith(SLOT_PREFIX) else None


def _seconds(date: str | None) -> float | None:
    """An HTTP Date as epoch seconds (None if absent or not a date)."""
    try:
        return parsedate_to_datetime(date).timestamp() if date else None
    except (TypeError, ValueError):
        return None


@dataclass
class BulkLane:
    queue_url: str
    counter: BacklogCounter
    client: SQSClient = field(default_factory=clients.sqs)

    def hand_over(self, messages: Sequence[tuple[str, str, Backlog]]) -> None:
        """Count the work, then queue its messages ((group, body, backlog) each); raises ServiceUnavailable if
        any could not be queued, their count taken back (the publisher's batch is retried: work handed over
        twice is done, and counted, twice)."""
        if not messages:
            return
        self.counter.add(total(m[2] for m in messages))
        batches: list[list[tuple[str, str, Backlog]]] = [[]]
        for message in messages:
            size = sum(len(body) for _, body, _ in batches[-1]) + len(message[1])
            if batches[-1] and (len(batches[-1]) == _BATCH_ENTRIES or size > _BATCH_BYTES):
                batches.append([])
            batches[-1].append(message)
        unsent: list[tuple[str, str, Backlog]] = []
        for batch in batches:
            try:
                unsent += self._send(batch)
            except Exception:
                unsent += batch
        if unsent:
            self.counter.add(total(m[2] for m in unsent), sign=-1)
            raise ServiceUnavailable(f"SQS did not take {len(unsent)} messages of bulk work")

    def send_again(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Queue received messages again as new ones, at the back of their groups (their work counted
        already), each noting one more race lost; raises ServiceUnavailable if SQS refused any."""
        response = self.client.send_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {
                    "Id": str(n),
                    "MessageBody": record["body"],
                    "MessageGroupId": record["attributes"]["MessageGroupId"],
                    "MessageDeduplicationId": uuid.uuid4().hex,
                    "MessageAttributes": {
                        RACES: {"DataType": "Number", "StringValue": str(races_lost(record) + 1)}
                    },
                }
                for n, record in enumerate(records)
            ],
        )
        if failed := response.get("Failed"):
            raise ServiceUnavailable(f"SQS did not take {len(failed)} messages of bulk work again")

    def _send(self, batch: list[tuple[str, str, Backlog]]) -> list[tuple[str, str, Backlog]]:
        """Queue a batch of messages; those SQS refused."""
        response = self.client.send_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {
                    "Id": str(n),
                    "MessageBody": body,
                    "MessageGroupId": group,
                    "MessageDeduplicationId": uuid.uuid4().hex,  # each hand-over is counted: none is dropped
                }
                for n, (group, body, _) in enumerate(batch)
            ],
        )
        return [batch[int(failed["Id"])] for failed in response.get("Failed", [])]
