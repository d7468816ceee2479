"""Doing what Lambda's event source mappings do, for moto (which cannot run our functions).

SQS: receive a batch, call the real handler with a real-shaped SQS event, delete what succeeded (partial
batch responses honoured). DynamoDB Streams: read new records, apply the template's FilterCriteria, call
the handler with a real-shaped stream event, checkpoint past what succeeded, retry failures a bounded
number of times and then send them to the on-failure destination, as Lambda does.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from newsfeed.cli.local import LOCAL_ACCOUNT, LOCAL_REGION
from newsfeed.dal.clients import POOL_CONNECTIONS

if TYPE_CHECKING:
    import boto3

    from infra.resources import Resources

log = logging.getLogger("newsfeed.local")
MAX_PAGES = 30  # GetRecords pages (1,000 records each) read for one batch

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """Enough of Lambda's context object for Powertools and our handlers."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def invoke(handler: Handler, event: dict[str, Any], function: str) -> Any:
    """Call a function's handler as Lambda would, its log lines naming that function: Powertools keeps an
    invocation's keys on the one logger every function in this process shares, so a function running in
    another thread would otherwise lend its name; keys set for this thread win over those."""
    from newsfeed.observability import logger

    context = LambdaContext(function)
    logger.thread_safe_append_keys(
        function_name=function,
        function_arn=context.invoked_function_arn,
        function_request_id=context.aws_request_id,
    )
    return handler(event, context)


def load_attribute(dotted: str) -> Any:
    """`package.module.name` -> that object (a handler as template.yaml names it, or the ASGI app)."""
    module, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def load_handler(dotted: str) -> Handler:
    handler: Handler = load_attribute(dotted)
    return handler


def lambda_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda's SQS event spells it (camelCase), not as ReceiveMessage does."""
    shape = {
        "stringValue": value.get("StringValue"),
        "binaryValue": value.get("BinaryValue"),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value["DataType"],
    }
    return {key: part for key, part in shape.items() if part is not None}


def matches(pattern: Mapping[str, Any], value: Any) -> bool:
    """EventBridge-style pattern matching, the subset Lambda filter criteria here use (exact values)."""
    if not isinstance(value, Mapping):
        return False
    for key, expected in pattern.items():
        if isinstance(expected, Mapping):
            if not matches(expected, value.get(key)):
                return False
        elif isinstance(expected, list):
            if any(isinstance(option, Mapping) for option in expected):
                raise NotImplementedError("content-filter operators are not emulated locally")
            if key not in value or value[key] not in expected:
                return False
        else:
            raise ValueError(f"invalid filter pattern at {key!r}")
    return True


class SqsEventSource:
    def __init__(
        self,
        client: Any,
        queue_url: str,
        queue_arn: str,
        handler: Handler,
        function: str,
        *,
        batch_size: int = 10,
    ) -> None:
        self.client, self.queue_url, self.queue_arn = client, queue_url, queue_arn
        self.handler, self.function, self.batch_size = handler, function, min(batch_size, 10)
        # moto's long poll of a FIFO queue spins, holding a CPU of its server, for as long as each visible
        # message's group has one in flight (which the bulk lane's is, most of an import): polled without
        # waiting, the poller sleeps between polls here instead.
        self.long_poll = not queue_url.endswith(".fifo")

    def poll(self, wait_seconds: int = 0) -> int:
        response = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {
                        name: lambda_attribute(value)
                        for name, value in m.get("MessageAttributes", {}).items()
                    },
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": LOCAL_REGION,
                }
                for m in messages
            ]
        }
        try:
            response = invoke(self.handler, event, self.function)
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        except Exception:
            log.exception(
                "%s failed; its messages return to the queue after the visibility timeout", self.function
            )
            return len(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)


class StreamPositions:
    """Where one stream poller has got to (shard id -> last sequence number handled), kept as an object in
    the local stack's own bucket: moto's state is saved as one cut (infra/local_state.py), so the positions
    a restart resumes from always go with the tables and feeds they led to. Lambda keeps its mappings'
    positions itself; the template has no place for them."""

    def __init__(self, s3: Any, bucket: str, function: str) -> None:
        self.s3, self.bucket, self.key = s3, bucket, f"stream-positions/{function}.json"

    def load(self) -> dict[str, str | None]:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return {}
        return dict(json.loads(body))

    def save(self, positions: Mapping[str, str | None]) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=json.dumps(dict(positions)).encode())


class StreamEventSource:
    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        handler: Handler,
        function: str,
        *,
        batch_size: int = 100,
        filters: Sequence[Mapping[str, Any]] = (),
        max_retries: int = 5,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        kept: StreamPositions | None = None,
    ) -> None:
        self.streams, self.stream_arn, self.handler, self.function = streams, stream_arn, handler, function
        self.batch_size, self.filters, self.max_retries = batch_size, list(filters), max_retries
        self.on_failure, self.kept = on_failure, kept
        # shard id -> last sequence number handled
        self.positions: dict[str, str | None] = kept.load() if kept is not None else {}
        self.retries = 0

    def skip_to_end(self) -> None:
        """Forget every record written so far (as a mapping created with StartingPosition LATEST would)."""
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            while records := self._records(shard["ShardId"]):
                self.positions[shard["ShardId"]] = records[-1]["dynamodb"]["SequenceNumber"]

    def _records(self, shard: str) -> list[dict[str, Any]]:
        # A fresh iterator on every poll, from the last record handled: cheap, and robust to moto replacing
        # a table's stream shard (which it did when a transaction was cancelled; see infra/moto_fixes.py).
        last = self.positions.get(shard)
        request = {"StreamArn": self.stream_arn, "ShardId": shard}
        if last is None:
            iterator = self.streams.get_shard_iterator(**request, ShardIteratorType="TRIM_HORIZON")
        else:
            iterator = self.streams.get_shard_iterator(
                **request, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=last
            )
        records: list[dict[str, Any]] = []
        shard_iterator: str | None = iterator["ShardIterator"]
        pages = passing = 0
        while shard_iterator and pages < MAX_PAGES:  # as Lambda: until a batch is full of records that pass
            page, shard_iterator = self._get_records(shard_iterator)
            records.extend(page)
            pages, passing = pages + 1, passing + sum(map(self._passes, page))
            if not page or passing >= self.batch_size:
                break
        for record in records:
            record["eventSourceARN"] = self.stream_arn
        return records

    def _get_records(self, iterator: str) -> tuple[list[dict[str, Any]], str | None]:
        endpoint = self.streams.meta.endpoint_url
        if not endpoint.startswith("http://127.0.0.1:"):  # moto in this process (tests): through botocore
            response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in response["Records"]:  # botocore made a datetime of the epoch seconds Lambda sends
                created = record["dynamodb"]["ApproximateCreationDateTime"]
                record["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
            return list(response["Records"]), response.get("NextShardIterator")
        # The local stack's moto, over loopback: botocore's parser walked every attribute of every image
        # (most of them records the filters then drop), holding the interpreter lock the functions need;
        # the JSON is already the shape Lambda delivers. moto does not check signatures.
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            endpoint,
            data=json.dumps({"ShardIterator": iterator, "Limit": 1000}).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDBStreams_20120810.GetRecords",
                "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20260101/{self.streams.meta.region_name}"
                "/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback http only
            answer: dict[str, Any] = json.loads(response.read())
        return list(answer["Records"]), answer.get("NextShardIterator")

    def _passes(self, record: dict[str, Any]) -> bool:
        return not self.filters or any(matches(f, record) for f in self.filters)

    def _batch(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(records read, those passing the filters): filtering comes before batching, as in Lambda, so a
        batch holds up to BatchSize records that pass."""
        wanted: list[dict[str, Any]] = []
        for count, record in enumerate(records, 1):
            if self._passes(record):
                wanted.append(record)
                if len(wanted) == self.batch_size:
                    return records[:count], wanted
        return records, wanted

    def poll(self) -> int:
        before = dict(self.positions)
        handled = self._poll()
        if self.kept is not None and self.positions != before:
            self.kept.save(self.positions)
        return handled

    def _poll(self) -> int:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        handled = 0
        for shard in (s["ShardId"] for s in shards):
            read, wanted = self._batch(self._records(shard))
            if not read:
                continue
            handled += len(read)
            resume_at = self._invoke(wanted) if wanted else None
            if resume_at is None:
                self.positions[shard] = read[-1]["dynamodb"]["SequenceNumber"]
                self.retries = 0
                continue
            self.retries += 1
            if self.retries > self.max_retries:
                failed = [r for r in wanted if int(r["dynamodb"]["SequenceNumber"]) >= int(resume_at)]
                log.error(
                    "%s gave up on %d stream records after %d retries",
                    self.function,
                    len(failed),
                    self.max_retries,
                )
                if self.on_failure:
                    self.on_failure(self.failure_message(shard, failed))
                self.positions[shard] = read[-1]["dynamodb"]["SequenceNumber"]
                self.retries = 0
            else:
                previous = [r for r in read if int(r["dynamodb"]["SequenceNumber"]) < int(resume_at)]
                if previous:
                    self.positions[shard] = previous[-1]["dynamodb"]["SequenceNumber"]
        return handled

    def failure_message(self, shard: str, failed: list[dict[str, Any]]) -> dict[str, Any]:
        """What Lambda sends a stream's on-failure destination: where the records are, never the records
        themselves (a batch of large items would be over SQS's 1 MB), so it always fits."""
        first, last = failed[0], failed[-1]
        return {
            "requestContext": {
                "functionArn": f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.max_retries + 1,
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": str(first["dynamodb"]["SequenceNumber"]),
                "endSequenceNumber": str(last["dynamodb"]["SequenceNumber"]),
                "approximateArrivalOfFirstRecord": str(first["dynamodb"].get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": str(last["dynamodb"].get("ApproximateCreationDateTime")),
                "batchSize": len(failed),
                "streamArn": self.stream_arn,
            },
        }

    def _invoke(self, records: list[dict[str, Any]]) -> str | None:
        """None when the batch succeeded; else the sequence number to resume from."""
        try:
            response = invoke(self.handler, {"Records": records}, self.function)
        except Exception:
            log.exception("%s failed on a batch of %d stream records", self.function, len(records))
            return str(records[0]["dynamodb"]["SequenceNumber"])
        failures = (response or {}).get("batchItemFailures", [])
        return min((str(f["itemIdentifier"]) for f in failures), key=int) if failures else None


class ScheduleEventSource:
    """An EventBridge schedule, run as often as the poller polls (locally: each second, not each minute)."""

    def __init__(self, handler: Handler, function: str, expression: str) -> None:
        self.handler, self.function, self.expression = handler, function, expression

    def poll(self) -> int:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": LOCAL_ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": LOCAL_REGION,
            "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT}:rule/{self.function}"],
            "detail": {},
        }
        response = invoke(self.handler, event, self.function)
        return len((response or {}).get("published", []))


Source = SqsEventSource | StreamEventSource | ScheduleEventSource


class Poller(threading.Thread):
    """Runs event sources until stopped: each SQS poll waits up to a second (a FIFO queue's polls, and
    streams, every `interval`)."""

    def __init__(self, source: Source, interval: float = 0.1) -> None:
        super().__init__(name=f"poll-{getattr(source, 'function', 'source')}", daemon=True)
        self.source, self.interval = source, interval
        self.stopping = threading.Event()
        self.rounds = 0  # polls completed
        self.quiet_rounds = 0  # consecutive polls, up to the last, that found nothing to do

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                handled = (
                    self.source.poll(1)
                    if isinstance(self.source, SqsEventSource) and self.source.long_poll
                    else self.source.poll()
                )
            except Exception:
                if self.stopping.is_set():
                    return
                log.exception("polling %s failed; trying again", self.source.function)
                handled = 0
            self.quiet_rounds = 0 if handled else self.quiet_rounds + 1
            self.rounds += 1
            if not handled:
                self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


def handled_by_all(pollers: Sequence[Poller]) -> dict[str, str]:
    """Stream ARN -> the sequence number every reader of that stream has handled records up to (streams with
    a reader that has not begun are left out). moto's tables have one shard each."""
    readers: dict[str, list[StreamEventSource]] = {}
    for poller in pollers:
        if isinstance(poller.source, StreamEventSource):
            readers.setdefault(poller.source.stream_arn, []).append(poller.source)
    handled = {}
    for arn, sources in readers.items():
        positions = [next(iter(s.positions.values()), None) for s in sources]
        if all(positions):
            handled[arn] = min((p for p in positions if p), key=int)
    return handled


class StreamTrimmer(threading.Thread):
    """Every `interval` seconds, drops the stream records every reader has handled (`trim`: moto's server):
    the local stack's readers are all here, and a record no one will read again only makes its state larger
    and each snapshot slower."""

    def __init__(
        self, pollers: Sequence[Poller], trim: Callable[[str, str], int], interval: float = 5.0
    ) -> None:
        super().__init__(name="stream-trimmer", daemon=True)
        self.pollers, self.trim, self.interval = pollers, trim, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                for arn, handled in handled_by_all(self.pollers).items():
                    self.trim(arn, handled)
            except Exception:
                if self.stopping.is_set():
                    return
                log.exception("trimming the streams failed; trying again")

    def stop(self) -> None:
        self.stopping.set()


def wait_until_idle(pollers: Sequence[Poller], timeout: float = 60.0) -> bool:
    """Wait until every poller has completed two polls that found nothing, both begun after this call."""
    start = {id(p): p.rounds for p in pollers}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.rounds >= start[id(p)] + 3 and p.quiet_rounds >= 2 for p in pollers):
            return True
        time.sleep(0.05)
    return False


def drain(sources: Sequence[Source], timeout: float = 30.0) -> None:
    """Poll every source until a whole round finds nothing to do (used by tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sum(source.poll() for source in sources):
            return
    raise TimeoutError("event sources did not go idle")


def stream_filters(properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(f["Pattern"]) for f in properties.get("FilterCriteria", {}).get("Filters", [])]


def event_sources(
    session: boto3.session.Session, resources: Resources, positions_bucket: str | None = None
) -> list[Source]:
    """The template's event source mappings, each calling its function's real handler (imported here).

    Batch sizes, filters, retry limits and the stream's on-failure destination are the template's. With
    `positions_bucket`, stream pollers keep their positions there (StreamPositions) and resume from them.
    """
    # Every poller shares these clients, and each SQS poller holds a connection through its long poll.
    config = Config(max_pool_connections=POOL_CONNECTIONS)
    sqs = session.client("sqs", config=config)
    streams, s3 = session.client("dynamodbstreams", config=config), session.client("s3", config=config)
    result: list[Source] = []
    for source in resources.event_sources:
        function = resources.functions[source.function]
        handler = load_handler(function.handler)
        if source.kind == "Schedule":
            result.append(ScheduleEventSource(handler, function.name, source.source))
            continue
        if source.kind == "SQS":
            result.append(
                SqsEventSource(
                    sqs,
                    source.source,
                    source.properties["Queue"],
                    handler,
                    function.name,
                    batch_size=source.batch_size,
                )
            )
            continue
        failure_arn = source.properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        failure_url = (
            sqs.get_queue_url(QueueName=failure_arn.rsplit(":", 1)[1])["QueueUrl"] if failure_arn else None
        )

        def send_failure(payload: dict[str, object], url: str | None = failure_url) -> None:
            if url:
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps(payload, default=str))

        result.append(
            StreamEventSource(
                streams,
                source.source,
                handler,
                function.name,
                batch_size=source.batch_size,
                filters=stream_filters(source.properties),
                max_retries=int(source.properties.get("MaximumRetryAttempts", 5)),
                on_failure=send_failure,
                kept=StreamPositions(s3, positions_bucket, function.name) if positions_bucket else None,
            )
        )
    return result
