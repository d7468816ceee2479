"""What every benchmark needs: the template's resources in moto, the real handlers, AWS call counting."""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import boto3
from infra import moto_fixes, moto_server
from infra.event_sources import ScheduleEventSource, StreamEventSource, drain, event_sources
from infra.resources import create_resources

from tests.support.moto import PROCESS_ENV

FIGURES: dict[str, Any] = {}  # what the benchmarks measured, for the chart and the comparisons between them


class Row(NamedTuple):
    """One line of `make bench`'s table: what, the figure, and what it is compared with."""

    label: str
    figure: str
    against: str


@dataclass
class Calls:
    """AWS API calls made through the functions' shared clients, by "service.Operation", and what they are
    billed by: DynamoDB read and write request units (from the sizes of the items read and written, by
    DynamoDB's rounding rules) and the bytes written to S3."""

    counts: Counter[str] = field(default_factory=Counter)
    units: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def clear(self) -> None:
        self.counts.clear()
        self.units.clear()

    def hook(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register(
            "before-call.*.*", lambda model, **_: self.counts.update([f"{service}.{model.name}"])
        )
        if service == "dynamodb":
            client.meta.events.register("provide-client-params.dynamodb.*", self._request)
            client.meta.events.register("after-call.dynamodb.*", self._reads)
        elif service == "s3":
            client.meta.events.register("provide-client-params.s3.PutObject", self._put_bytes)

    def _request(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        """Count a write's units from the items it sends; note a read's consistency for `_reads`."""
        consistent = params.get("ConsistentRead") or any(
            request.get("ConsistentRead")
            for request in params.get("RequestItems", {}).values()
            if isinstance(request, dict)
        )
        context["newsfeed_consistent"] = bool(consistent)
        if model.name == "PutItem":
            self.units["dynamodb.WRU"] += write_units(params["Item"])
        elif model.name in ("UpdateItem", "DeleteItem"):
            self.units["dynamodb.WRU"] += 1  # counters and small entries: one unit (items under 1 KB)
        elif model.name == "TransactWriteItems":
            for op in params["TransactItems"]:
                item = op.get("Put", {}).get("Item")
                self.units["dynamodb.WRU"] += 2 * (write_units(item) if item else 1)  # transactional: x2
        elif model.name == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item")
                    self.units["dynamodb.WRU"] += write_units(item) if item else 1

    def _reads(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        consistent = context.get("newsfeed_consistent", False)
        if model.name == "GetItem":
            self.units["dynamodb.RRU"] += read_units([parsed.get("Item", {})], consistent=consistent)
        elif model.name == "Query":
            self.units["dynamodb.RRU"] += read_units(parsed.get("Items", []), consistent=consistent)
        elif model.name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.units["dynamodb.RRU"] += sum(read_units([i], consistent=consistent) for i in items)

    def _put_bytes(self, params: dict[str, Any], **_: Any) -> None:
        body = params.get("Body", b"")
        self.units["s3.PutObject bytes"] += len(body) if isinstance(body, bytes | str) else 0


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values (strings and binaries by length,
    numbers about a byte per two digits, a few bytes of overhead per list or map element)."""

    def value_bytes(value: dict[str, Any]) -> int:
        kind, inner = next(iter(value.items()))
        if kind == "S":
            return len(inner.encode())
        if kind == "N":
            return len(inner) // 2 + 2
        if kind in ("B",):
            return len(inner)
        if kind == "L":
            return 3 + sum(1 + value_bytes(v) for v in inner)
        if kind == "M":
            return 3 + sum(1 + len(k.encode()) + value_bytes(v) for k, v in inner.items())
        if kind in ("SS", "NS"):
            return sum(len(str(v)) for v in inner)
        return 1

    return sum(len(name.encode()) + value_bytes(value) for name, value in item.items())


def write_units(item: dict[str, Any]) -> int:
    return max(1, -(-item_bytes(item) // 1024))


def read_units(items: list[dict[str, Any]], *, consistent: bool) -> float:
    """A read's request units: the items' total size in 4 KB steps (half of that if eventually consistent)."""
    units = max(1, -(-sum(item_bytes(i) for i in items) // 4096))
    return units if consistent else units / 2


class EmulatorClock:
    """Seconds spent inside moto (the emulated AWS), so a benchmark can report our own time beside the total.

    On AWS each call costs network time that does not depend on the archive; moto's own cost does (it is
    an in-memory emulator, not DynamoDB), so "ours" = total - emulator is what scales like production.
    """

    seconds = 0.0
    installed = False

    @classmethod
    def install(cls) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        if cls.installed:
            return
        original = BotocoreStubber.__call__

        def timed_call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(self, event_name, request, **kwargs)
            finally:
                cls.seconds += time.perf_counter() - start

        setattr(BotocoreStubber, "__call__", timed_call)  # noqa: B010 - measuring, not changing
        cls.installed = True


@dataclass
class Bench:
    session: boto3.session.Session
    outputs: dict[str, str]
    sources: list[Any]
    calls: Calls

    def source(self, function: str) -> Any:
        return next(s for s in self.sources if s.function == function)

    def drain(self, *functions: str) -> None:
        drain([s for s in self.sources if not functions or s.function in functions], timeout=600)

    def forget_history(self) -> None:
        """Start the event sources after everything written so far (data loaded directly, not published)."""
        for source in self.sources:
            if isinstance(source, StreamEventSource):
                source.skip_to_end()
            else:
                while source.client.receive_message(QueueUrl=source.queue_url, MaxNumberOfMessages=10).get(
                    "Messages"
                ):
                    source.client.purge_queue(QueueUrl=source.queue_url)


@contextmanager
def moto_stack() -> Iterator[Bench]:
    """The template's resources in moto, in this process, with the functions' settings in the environment."""
    from moto import mock_aws

    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(PROCESS_ENV)
    moto_fixes.apply()
    EmulatorClock.install()
    with mock_aws():
        session = boto3.session.Session()
        resources = create_resources(
            session,
            local_urls={"ApiUrl": "https://api.kazpost.example", "FeedsUrl": "https://feeds.kazpost.example"},
        )
        os.environ.update(next(iter(resources.functions.values())).environment)
        from newsfeed import handlers
        from newsfeed.dal import clients
        from newsfeed.observability import logger

        handlers.reset()

        logger.setLevel("ERROR")
        calls = Calls()
        for client in (clients.dynamodb(), clients.s3(), clients.sqs()):
            calls.hook(client)
        # The scheduler is left out: a publish does not involve it, and its each-poll Query would count.
        sources: list[Any] = [
            s for s in event_sources(session, resources) if not isinstance(s, ScheduleEventSource)
        ]
        bench = Bench(session, resources.outputs, sources, calls)
        bench.drain()
        yield bench


def preload(table_name: str, items: Iterable[dict[str, Any]]) -> None:
    """Put items straight into the in-process mock's table, leaving no stream records: setting up an
    archive, not measuring a publish. (A local stack's moto runs in a child: `LocalStack.aws.preload`.)"""
    moto_server.put_items(table_name, items)


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, seconds outside the emulator) of `action`."""
    start, emulated = time.perf_counter(), EmulatorClock.seconds
    action()
    wall = time.perf_counter() - start
    return wall, wall - (EmulatorClock.seconds - emulated)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def raw_batch_writes(dynamodb: Any, items: list[dict[str, Any]], like: str) -> float:
    """Seconds to store `items` with BatchWriteItem in a new table shaped like `like` (keys and stream)."""
    stream = dynamodb.describe_table(TableName=like)["Table"].get("StreamSpecification")
    dynamodb.create_table(
        **({"StreamSpecification": stream} if stream else {}),
        TableName="raw",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    start = time.perf_counter()
    for first in range(0, len(items), 25):
        request: Any = {"raw": [{"PutRequest": {"Item": item}} for item in items[first : first + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    return time.perf_counter() - start
