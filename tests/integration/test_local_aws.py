"""The local stack's AWS side: moto in a child process (infra/moto_server.py), as the local stack runs it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from infra import moto_server
from infra.event_sources import StreamEventSource, event_sources
from infra.local_stack import MAX_QUEUE_POLLERS, LocalStack
from infra.resources import create_resources

from tests.support.moto import table


@pytest.fixture(scope="module")
def server() -> Iterator[moto_server.MotoServer]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with moto_server.running(port) as running:
        yield running


def client(server: moto_server.MotoServer, service: str) -> Any:
    return boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    ).client(service, endpoint_url=server.endpoint)  # type: ignore[call-overload]


def test_a_preloaded_archive_is_stored_without_stream_records_and_later_writes_are_streamed(
    server: moto_server.MotoServer,
) -> None:
    dynamodb = client(server, "dynamodb")
    name = table(client(server, "dynamodb"), "preloaded")
    items = [{"pk": {"S": f"article#{n}"}, "sk": {"S": "article"}, "n": {"N": str(n)}} for n in range(3)]
    assert server.preload(name, items) == 3
    assert sorted(i["pk"]["S"] for i in dynamodb.scan(TableName=name)["Items"]) == [
        "article#0",
        "article#1",
        "article#2",
    ]
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "article#new"}, "sk": {"S": "article"}})
    arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    source = StreamEventSource(client(server, "dynamodbstreams"), arn, lambda event, context: None, "F")
    shard = source.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    records = source._records(shard)  # read as JSON over loopback, shaped as Lambda delivers them
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["article#new"]
    assert records[0]["eventName"] == "INSERT"
    assert isinstance(records[0]["dynamodb"]["ApproximateCreationDateTime"], int)
    assert records[0]["eventSourceARN"] == arn


def test_queue_functions_get_as_many_pollers_as_lambda_would_run_up_to_the_cap() -> None:
    from moto import mock_aws

    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        resources = create_resources(session, local_urls={"ApiUrl": "http://a", "FeedsUrl": "http://f"})
        pollers = LocalStack(port=0, aws_port=0).pollers(session, resources)
        counts: dict[str, int] = {}
        for poller in pollers:
            counts[poller.source.function] = counts.get(poller.source.function, 0) + 1
        reserved = {spec.name: spec.concurrency for spec in resources.functions.values()}
        queues = [p.source.queue_url for p in pollers if p.source.function == "IngestFunction"]  # type: ignore[union-attr]
        for queue in ("IngestQueue", "ImportQueue"):  # uploads, and bundles (MaximumConcurrency 4)
            assert (
                queues.count(resources.physical[queue])
                == min(reserved["IngestFunction"], MAX_QUEUE_POLLERS)
                == 4
            )
        assert counts["NotifierFunction"] == min(reserved["NotifierFunction"], MAX_QUEUE_POLLERS)
        assert counts["PublisherFunction"] == 1  # one stream shard: one batch at a time, in order
        assert counts["SchedulerFunction"] == 1
        assert len(pollers) == sum(counts.values()) >= len(event_sources(session, resources))


def test_functions_running_side_by_side_each_name_themselves_in_their_log_lines() -> None:
    """The local stack runs every function in one process, with one Powertools logger between them."""
    import json
    import logging
    import threading

    from infra.event_sources import invoke

    from newsfeed.observability import logger

    lines: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))  # formatted in the thread that logs, as on stdout

    keep = Keep()
    keep.setFormatter(logger.registered_formatter)
    logger.addHandler(keep)
    both_started = threading.Barrier(2)

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> None:
        both_started.wait(timeout=5)  # each invocation has set its keys before either one logs
        logger.warning("working", extra={"invoked_as": event["function"]})

    threads = [
        threading.Thread(target=invoke, args=(handler, {"function": name}, name))
        for name in ("IngestFunction", "PublisherFunction")
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        logger._logger.removeHandler(keep)  # (Powertools forwards addHandler only)
    assert sorted((line["function_name"], line["invoked_as"]) for line in lines) == [
        ("IngestFunction", "IngestFunction"),
        ("PublisherFunction", "PublisherFunction"),
    ]


def test_functions_sharing_the_process_never_overflow_the_connection_pool(
    server: moto_server.MotoServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The local stack runs every function in one process on the shared clients (`dal.clients`): as many
    queue pollers as it runs, each with a batch's requests in flight, must not find the pool full (urllib3
    warns and throws the connection away, as an import showed)."""
    import threading

    from newsfeed.dal import batch, clients

    name = table(client(server, "dynamodb"), "pool")
    for variable, value in {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(variable, value)
    clients.reset()
    keys = [{"pk": {"S": f"a{n}"}, "sk": {"S": "x"}} for n in range(64)]

    def poller() -> None:
        batch.each(lambda key: clients.dynamodb().get_item(TableName=name, Key=key), keys)

    caplog.set_level("WARNING", logger="urllib3.connectionpool")
    pollers = [threading.Thread(target=poller) for _ in range(MAX_QUEUE_POLLERS + 2)]
    for thread in pollers:
        thread.start()
    for thread in pollers:
        thread.join()
    clients.reset()
    assert not [r for r in caplog.records if "Connection pool is full" in r.getMessage()]


def test_a_batch_that_keeps_failing_goes_to_the_on_failure_destination_as_lambda_sends_it_and_ends(
    server: moto_server.MotoServer,
) -> None:
    """However large the records (here ten items of 300 KB: 3 MB in one batch), the on-failure message names
    where they are, as Lambda's does, so it fits in SQS's 256 KB; and the poller goes on past them."""
    import json

    dynamodb = client(server, "dynamodb")
    name = table(client(server, "dynamodb"), "failing")
    for n in range(10):
        dynamodb.put_item(
            TableName=name, Item={"pk": {"S": f"a#{n}"}, "sk": {"S": "x"}, "v": {"S": "x" * 300_000}}
        )
    arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    sent: list[str] = []

    def failing(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("a fault on every record")

    source = StreamEventSource(
        client(server, "dynamodbstreams"),
        arn,
        failing,
        "F",
        max_retries=2,
        on_failure=lambda message: sent.append(json.dumps(message)),
    )
    polls = 0
    while source.poll() and polls < 10:
        polls += 1
    assert polls == 3 and len(sent) == 1  # the first try, two retries, then on
    assert len(sent[0].encode()) < 256 * 1024
    info = json.loads(sent[0])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 10 and info["streamArn"] == arn
    assert int(info["startSequenceNumber"]) < int(info["endSequenceNumber"])
    assert source.poll() == 0  # nothing left: it does not loop over them


def test_stream_records_every_reader_has_handled_are_dropped_and_numbers_stay(
    server: moto_server.MotoServer,
) -> None:
    """The local stack drops what its readers are done with (its state stays the size of its content): the
    records kept keep their sequence numbers, and a reader behind the trim reads on from the oldest kept."""
    dynamodb = client(server, "dynamodb")
    name = table(client(server, "dynamodb"), "trimmed")
    for n in range(5):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"a#{n}"}, "sk": {"S": "x"}})
    arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    reader = StreamEventSource(client(server, "dynamodbstreams"), arn, lambda event, context: None, "F")
    shard = reader.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    before = [r["dynamodb"]["SequenceNumber"] for r in reader._records(shard)]
    assert len(before) == 5
    assert server.trim(arn, before[2]) == 3
    assert [r["dynamodb"]["SequenceNumber"] for r in reader._records(shard)] == before[3:]  # from the start
    reader.positions[shard] = before[0]  # behind the trim
    assert [r["dynamodb"]["SequenceNumber"] for r in reader._records(shard)] == before[3:]
    reader.positions[shard] = before[3]
    assert [r["dynamodb"]["SequenceNumber"] for r in reader._records(shard)] == before[4:]
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a#5"}, "sk": {"S": "x"}})
    assert [r["dynamodb"]["SequenceNumber"] for r in reader._records(shard)] == [
        *before[4:],
        str(int(before[4]) + 1),
    ]


def test_stream_records_older_than_a_day_are_dropped_as_dynamodb_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infra import moto_fixes
    from moto import mock_aws

    moto_fixes.apply()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table(dynamodb, "day")
        for n in range(3):
            dynamodb.put_item(TableName="day", Item={"pk": {"S": f"old#{n}"}, "sk": {"S": "x"}})
        monkeypatch.setattr(moto_fixes, "STREAM_RETENTION_SECONDS", -3600)  # as if a day had passed
        dynamodb.put_item(TableName="day", Item={"pk": {"S": "new"}, "sk": {"S": "x"}})
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends["123456789012"]["us-east-1"].get_table("day").stream_shard
        assert shard is not None and len(shard.items) == 0 and shard.starting_sequence_number > 0
