"""What every benchmark needs: the template's resources in moto, the real handlers, AWS call counting."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from infra import moto_fixes
from infra.event_sources import SqsEventSource, StreamEventSource, drain, load_handler, stream_filters
from infra.resources import create_resources

SITE_ENV = {
    "SITE_NAME": "KazPost",
    "SITE_URL": "https://kazpost.example",
    "SITE_DESCRIPTION": "News from Kazakhstan and the world.",
    "SITE_LANGUAGE": "en",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


@dataclass
class Calls:
    """AWS API calls made through the functions' shared clients, by "service.Operation"."""

    counts: Counter[str] = field(default_factory=Counter)

    def hook(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register(
            "before-call.*.*", lambda model, **_: self.counts.update([f"{service}.{model.name}"])
        )


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
    os.environ.update(SITE_ENV)
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
        sqs, streams = session.client("sqs"), session.client("dynamodbstreams")
        sources: list[Any] = []
        for source in resources.event_sources:
            function = resources.functions[source.function]
            handler = load_handler(function.handler)
            if source.kind == "SQS":
                sources.append(
                    SqsEventSource(sqs, source.source, source.properties["Queue"], handler, function.name)
                )
            else:
                sources.append(
                    StreamEventSource(
                        streams,
                        source.source,
                        handler,
                        function.name,
                        filters=stream_filters(source.properties),
                    )
                )
        bench = Bench(session, resources.outputs, sources, calls)
        bench.drain()
        yield bench


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, seconds outside the emulator) of `action`."""
    start, emulated = time.perf_counter(), EmulatorClock.seconds
    action()
    wall = time.perf_counter() - start
    return wall, wall - (EmulatorClock.seconds - emulated)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
