"""Making moto behave, and cost, like DynamoDB where the local stack, the tests and the benchmarks need it.

Transactions: moto applies a transaction's writes one by one and, when a condition fails, restores a deep
copy of every table it touched. That copy includes the table's stream, so (1) a cancelled transaction leaves
stream records of writes that never happened, (2) a stream iterator held across it sees nothing afterwards,
and (3) every transaction costs time proportional to the whole table and its stream history (200 uploads
took minutes). DynamoDB checks every condition first and then writes all or nothing; so does this
replacement, once per condition and with no other transaction in between (moto's server is threaded). It
only reorders moto's own operations: conditions are evaluated by moto's parser, writes by moto's
put/update/delete. The other fixes below each say what they correct.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

_APPLIED = "_newsfeed_atomic_transactions"
# The moto releases these fixes were written for and tested against (tests/integration/test_moto_fixes.py):
# each replaces moto internals, which a release may change under it.
WRITTEN_FOR = ((5, 1, 22), (5, 2, 0))  # from, up to but not including


class UnknownMoto(RuntimeError):
    """moto is not a release these fixes were written for."""


def _replace(owner: Any, name: str, replacement: Any) -> None:
    """Put `replacement` in place of `owner.name`, which must exist: a fix for something moto no longer has
    would silently fix nothing."""
    if not hasattr(owner, name):
        raise UnknownMoto(f"moto has no {getattr(owner, '__name__', owner)}.{name} to fix")
    setattr(owner, name, replacement)


def check_version(version: str) -> None:
    """Refuse a moto release outside WRITTEN_FOR, naming what to do."""
    found = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
    low, high = WRITTEN_FOR
    if not low <= found < high:
        raise UnknownMoto(
            f"moto {version} is installed; infra/moto_fixes.py was written for moto "
            f"{'.'.join(map(str, low))} up to {'.'.join(map(str, high))}: install that "
            "(`make clean && make test`), or check each fix against this release with "
            "tests/integration/test_moto_fixes.py and widen WRITTEN_FOR"
        )


MAX_ITEM_BYTES = 405_000  # moto's item limit; DynamoDB enforces its 400 KB between 409 and 410 KB


def atomic_transactions() -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, _APPLIED, False):
        return
    lock = threading.Lock()

    def key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
        if op_type != "Put":
            return dict(op["Key"])
        table = backend.get_table(op["TableName"])
        key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = op["Item"][table.range_key_attr]
        return key

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        operations = []
        seen: set[tuple[str, str]] = set()
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            ((op_type, op),) = item.items()
            key = key_of(self, op_type, op)
            identity = (op["TableName"], str(sorted(key.items())))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            operations.append((op_type, op, key))

        with lock:  # moto's server is threaded: no other transaction between the checks and the writes
            check_then_write(self, operations)

    def check_then_write(self: Any, operations: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        errors: list[tuple[str | None, str | None, Any]] = []
        for _, op, key in operations:  # every condition, before any write
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            holds = condition is None or get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current)
            if holds:
                errors.append((None, None, None))
            else:
                old = (
                    current.to_json()["Attributes"]
                    if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
        if any(code for code, _, _ in errors):
            raise TransactionCanceledException(errors)

        for op_type, op, key in operations:  # then all the writes, their conditions already checked
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key)
            elif op_type == "Update":
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=op.get("ExpressionAttributeNames"),
                    expression_attribute_values=op.get("ExpressionAttributeValues"),
                )

    _replace(DynamoDBBackend, "transact_write_items", transact_write_items)
    setattr(DynamoDBBackend, _APPLIED, True)


def fast_stream_records() -> None:
    """Answer DynamoDB Streams' GetRecords with plain JSON: moto's generic serializer is slow enough on a
    hundred article images to make every burst in the local stack crawl. Creation times go out as DynamoDB
    Streams sends them, whole epoch seconds."""
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    if getattr(DynamoDBStreamsHandler, _APPLIED, False):
        return

    def get_records(self: Any) -> str:
        limit = self._get_param("Limit") or 1000
        result = self.backend.get_records(self._get_param("ShardIterator"), limit)
        result["Records"] = [_as_sent(record) for record in result["Records"]]  # the shard's own: not changed
        return str(dynamo_json_dump(result))

    _replace(DynamoDBStreamsHandler, "get_records", get_records)
    setattr(DynamoDBStreamsHandler, _APPLIED, True)


QUERY_PARAMETERS = frozenset(
    {
        "hash_key",
        "range_comparison",
        "range_objs",
        "limit",
        "exclusive_start_key",
        "scan_index_forward",
        "index_name",
    }
)


def _as_sent(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of moto's stream record with its creation time as DynamoDB Streams sends it: epoch seconds (moto
    keeps a UTC time without its zone)."""
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if not isinstance(created, datetime):
        return record
    moment = created if created.tzinfo else created.replace(tzinfo=UTC)
    return record | {
        "dynamodb": record["dynamodb"] | {"ApproximateCreationDateTime": int(moment.timestamp())}
    }


def partition_queries() -> None:
    """Make a Query on a table's own key cost what it costs DynamoDB: moto sorted and filtered the whole
    table for every Query, so its cost grew with the archive. Here it reads the key's partition only and,
    for a first page, hands moto just the `Limit` items a B-tree would visit (string sort keys)."""
    import inspect

    from moto.dynamodb.models.table import Table

    if getattr(Table, _APPLIED, False):
        return
    local = threading.local()
    original_query, original_all_items = Table.query, Table.all_items
    signature = inspect.signature(original_query)
    # The query is read from moto's own parameters by name: a release that renames one would have the
    # partition filtered by part of its condition only, and wrong pages returned without an error.
    missing = QUERY_PARAMETERS - set(signature.parameters)
    if missing:
        raise UnknownMoto(f"moto's Table.query no longer takes {', '.join(sorted(missing))}")

    def all_items(self: Any) -> Any:
        partition = getattr(local, "partition", None)
        if partition is not None and partition[0] is self:
            return list(partition[1].values())  # the candidates `query` picked, in place of the whole table
        return original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, hash_key, *args, **kwargs).arguments
        legacy_condition_missing = arguments.get("range_key_conditions") and not arguments.get(
            "range_comparison"
        )
        if (
            arguments.get("index_name")
            or not self.range_key_attr
            or hash_key is None
            or legacy_condition_missing
        ):
            return original_query(self, hash_key, *args, **kwargs)  # as moto does it, whatever it costs
        items = list(self.items.get(hash_key, {}).values())
        comparison, limit = arguments.get("range_comparison"), arguments.get("limit")
        if comparison:
            items = [
                item for item in items if item.range_key.compare(comparison, arguments.get("range_objs"))
            ]
        if (
            limit
            and arguments.get("exclusive_start_key") is None
            and all(i.range_key.type == "S" for i in items)
        ):
            items.sort(
                key=lambda item: item.range_key.value, reverse=arguments.get("scan_index_forward") is False
            )
            items = items[: limit + 1]  # one more, so moto still sees that another page follows
        local.partition = (self, dict(enumerate(items)))
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            local.partition = None

    _replace(Table, "all_items", all_items)
    _replace(Table, "query", query)
    setattr(Table, _APPLIED, True)


def linear_item_size() -> None:
    """Check an item's 400 KB limit once per item: moto re-summed the size of every attribute each time it
    added one, so building an item of n attributes cost n² size computations (for an article item, more than
    the rest of a PutItem)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    if getattr(Item, _APPLIED, False):
        return

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > MAX_ITEM_BYTES:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # LimitedSizeDict checks only in __setitem__, which updates still use

    _replace(Item, "__init__", item_init)
    setattr(Item, _APPLIED, True)


def cheap_retention_check() -> None:
    """Read a queue's retention period without computing all its attributes: moto computed every attribute
    (counting the queue's messages three times) for each message it considered in ReceiveMessage, so one
    receive cost time proportional to the square of the queue's length."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    if getattr(SQSBackend, _APPLIED, False):
        return

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    _replace(
        SQSBackend, "is_message_valid_based_on_retention_period", is_message_valid_based_on_retention_period
    )
    setattr(SQSBackend, _APPLIED, True)


def fifo_batches_of_one_group() -> None:
    """A FIFO queue's receive returns messages of one message group: moto filled a batch from every group
    not in flight, so one receiver held every group and the queue's other receivers found nothing (the bulk
    lane's page groups ran one at a time, not side by side). SQS returns as many messages of one group as
    it can so that other receivers get the other groups, and Lambda runs a FIFO queue's groups side by
    side."""
    from moto.sqs.models import Queue, SQSBackend

    if getattr(Queue, _APPLIED, False):
        return
    visible = Queue.messages.fget  # type: ignore[attr-defined]
    receiving = threading.local()  # the group this thread's receive takes from

    def messages(self: Any) -> list[Any]:
        found: list[Any] = visible(self)
        group = getattr(receiving, "group", None)
        return found if group is None else [m for m in found if m.group_id == group]

    original = SQSBackend.receive_message

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        if not queue.fifo_queue:
            return original(self, queue_name, *args, **kwargs)
        ready = visible(queue)
        queue.pending_messages.difference_update(ready)  # in flight once, visible again: timed out
        busy = queue.pending_message_groups
        receiving.group = next((m.group_id for m in ready if m.group_id not in busy), None)
        try:
            return original(self, queue_name, *args, **kwargs)
        finally:
            receiving.group = None

    _replace(Queue, "messages", property(messages))
    _replace(SQSBackend, "receive_message", receive_message)
    setattr(Queue, _APPLIED, True)


def cached_service_lookup() -> None:
    """Work out which moto service serves a host once per host: the server's dispatcher listed moto's
    directory, stat'ed each of its ~200 entries and then tried up to a few hundred URL patterns on every
    request, under a lock (about a sixth of the server's time in a bulk import, serialising every thread)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, _APPLIED, False):
        return
    original = DomainDispatcherApplication.get_backend_for_host
    backends: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in backends:
            backends[host] = original(self, host)
        return backends[host]

    _replace(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)
    setattr(DomainDispatcherApplication, _APPLIED, True)


def utc_event_times() -> None:
    """Stamp S3 event notifications in UTC, as S3 does (`2024-03-29T04:00:00.000Z`): moto writes the host's
    local time without a zone, and the ingest reads S3's event time as UTC, so under any other TZ every
    upload's time (an undated article's publication time, whether one is due) would be off by the offset."""
    from datetime import UTC, datetime

    from moto.s3 import notifications

    if getattr(notifications, _APPLIED, False):
        return
    original = notifications._get_s3_event

    def get_s3_event(*args: Any, **kwargs: Any) -> dict[str, list[dict[str, Any]]]:
        event: dict[str, list[dict[str, Any]]] = original(*args, **kwargs)
        now = datetime.now(UTC)
        for record in event["Records"]:
            record["eventTime"] = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        return event

    _replace(notifications, "_get_s3_event", get_s3_event)
    setattr(notifications, _APPLIED, True)


STREAM_RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keeps a record 24 hours
_SHARDS = threading.Lock()  # numbering, reading and trimming of every stream shard's records


def unique_stream_sequence_numbers() -> None:
    """Number each stream record under a lock: moto numbers a record by the shard's length and then appends
    it, so two writes in different server threads at once (several functions, or one function's batch
    requests in flight together) could take one number, and a consumer reading on from it would skip one.

    And keep records as DynamoDB does, 24 hours (moto keeps them all, so a local stack's state only grew):
    older ones are trimmed from the front of the shard as new ones come, and `trim_stream` drops those every
    reader has handled. The shard's starting sequence number moves past what is gone, so the numbers of the
    records kept do not change; an iterator from before it reads on from the oldest record kept."""
    from moto.dynamodb.models.table import StreamShard

    if getattr(StreamShard, _APPLIED, False):
        return
    original_add, original_get = StreamShard.add, StreamShard.get

    def add(self: Any, old: Any, new: Any) -> None:
        with _SHARDS:
            original_add(self, old, new)
            horizon = (
                datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=STREAM_RETENTION_SECONDS)
            ).isoformat()
            expired = 0
            while expired < len(self.items) and _created(self.items[expired]) < horizon:
                expired += 1
            _drop(self, expired)

    def get(self: Any, start: int, quantity: int) -> Any:
        with _SHARDS:
            return original_get(self, max(start, self.starting_sequence_number), quantity)

    _replace(StreamShard, "add", add)
    _replace(StreamShard, "get", get)
    setattr(StreamShard, _APPLIED, True)


def _created(record: Any) -> str:
    """A record's creation time as moto writes it (ISO 8601, UTC: moto's utcnow), comparable as text."""
    created = record.record["dynamodb"]["ApproximateCreationDateTime"]
    return str(created if isinstance(created, str) else created.isoformat()).removesuffix("Z")


def _drop(shard: Any, count: int) -> None:
    if count > 0:
        del shard.items[:count]
        shard.starting_sequence_number += count


def trim_stream(table: Any, handled: int) -> int:
    """Drop the table's stream records up to sequence number `handled` (every reader has handled them); how
    many. Only for the local stack, whose readers are all its own stream pollers."""
    shard = table.stream_shard
    if shard is None:
        return 0
    with _SHARDS:
        count = max(0, min(len(shard.items), handled - int(shard.starting_sequence_number) + 1))
        _drop(shard, count)
    return count


def apply() -> None:
    """Every fix above, on the moto release they were written for; idempotent."""
    from importlib.metadata import version

    check_version(version("moto"))
    utc_event_times()
    unique_stream_sequence_numbers()
    atomic_transactions()
    fast_stream_records()
    partition_queries()
    linear_item_size()
    cheap_retention_check()
    fifo_batches_of_one_group()
    cached_service_lookup()
