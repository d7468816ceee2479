"""The bulk lane's queue (FIFO: a scope's work in order, pages in parallel groups) and its backlog counter,
which the publisher raises before it hands work over and the bulk lane lowers once the work is written."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsfeed.dal import clients
from newsfeed.dal.keys import BACKLOG_KEY
from newsfeed.models.backlog import Backlog
from newsfeed.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

_BATCH_ENTRIES = 10  # SQS: entries per SendMessageBatch
_BATCH_BYTES = 200_000  # and under its 256 KB a call, with room for the attributes


@dataclass
class BacklogCounter:
    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def add(self, backlog: Backlog, sign: int = 1) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=BACKLOG_KEY,
            UpdateExpression="ADD pages :pages, scopes :scopes",
            ExpressionAttributeValues={
                ":pages": {"N": str(sign * backlog.pages)},
                ":scopes": {"N": str(sign * backlog.scopes)},
            },
        )

    def now(self) -> Backlog:
        item = self.client.get_item(TableName=self.table, Key=BACKLOG_KEY, ConsistentRead=True).get(
            "Item", {}
        )
        return Backlog(int(item.get("pages", {}).get("N", 0)), int(item.get("scopes", {}).get("N", 0)))


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
        self.counter.add(_total(m[2] for m in messages))
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
            self.counter.add(_total(m[2] for m in unsent), sign=-1)
            raise ServiceUnavailable(f"SQS did not take {len(unsent)} messages of bulk work")

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


def _total(backlogs: Iterable[Backlog]) -> Backlog:
    pages = scopes = 0
    for backlog in backlogs:
        pages, scopes = pages + backlog.pages, scopes + backlog.scopes
    return Backlog(pages, scopes)
