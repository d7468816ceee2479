"""infra/moto_fixes.py, fix by fix: each behaves as DynamoDB, S3 or SQS would, so that a moto release that
changes what a fix replaces fails here; and the fixes refuse a moto release they were not written for."""

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra import moto_fixes

from tests.support.moto import Stack


def stream_records(stack: Stack) -> list[dict[str, Any]]:
    streams = stack.session.client("dynamodbstreams")
    arn = stack.dynamodb.describe_table(TableName=stack.table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]  # type: ignore[assignment]
    return records


def put(pk: str, condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": "T", "Item": {"pk": {"S": pk}, "sk": {"S": "x"}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def test_a_failed_condition_writes_nothing_and_streams_nothing(stack: Stack) -> None:
    def ops(*items: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"Put": {**i["Put"], "TableName": stack.table}} for i in items]

    stack.dynamodb.transact_write_items(TransactItems=ops(put("a")))
    with pytest.raises(ClientError) as failure:
        stack.dynamodb.transact_write_items(TransactItems=ops(put("b"), put("a", "attribute_not_exists(pk)")))
    reasons = [r["Code"] for r in failure.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert [i["pk"]["S"] for i in stack.dynamodb.scan(TableName=stack.table)["Items"]] == ["a"]
    stack.dynamodb.transact_write_items(TransactItems=ops(put("c")))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in stream_records(stack)] == ["a", "c"]


def test_items_over_the_size_limit_are_still_refused(stack: Stack) -> None:
    big = {"pk": {"S": "big"}, "sk": {"S": "x"}, "a": {"S": "x" * 250_000}, "b": {"S": "y" * 160_000}}
    with pytest.raises(ClientError) as failure:
        stack.dynamodb.put_item(TableName=stack.table, Item=big)
    assert "Item size has exceeded the maximum allowed size" in str(failure.value)
    fits = {"pk": {"S": "fits"}, "sk": {"S": "x"}, "a": {"S": "x" * 250_000}, "b": {"S": "y" * 100_000}}
    stack.dynamodb.put_item(TableName=stack.table, Item=fits)
    stored = stack.dynamodb.get_item(TableName=stack.table, Key={"pk": {"S": "fits"}, "sk": {"S": "x"}})
    assert stored["Item"]["b"]["S"] == "y" * 100_000


def test_writes_in_flight_together_each_get_their_own_stream_record(stack: Stack) -> None:
    """Requests in flight at once (`dal.batch.each`) write from several threads; each write gets a stream
    record of its own number, so a consumer reading on from a number misses none."""
    from newsfeed.dal import batch

    items = [{"pk": {"S": f"item-{n}"}, "sk": {"S": "x"}} for n in range(3_000)]
    batch.write_all(stack.dynamodb, stack.table, [{"PutRequest": {"Item": item}} for item in items])
    streams = stack.session.client("dynamodbstreams")
    arn = stack.dynamodb.describe_table(TableName=stack.table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator: str | None = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    numbers: list[str] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        numbers += [r["dynamodb"]["SequenceNumber"] for r in page["Records"]]
        iterator = page.get("NextShardIterator") if page["Records"] else None
    assert len(numbers) == len(set(numbers)) == len(items)


# --- each fix fails here if moto changes underneath it --------------------------------------------------

SORT_KEYS = st.lists(st.text("0123456789abc#", min_size=1, max_size=4), min_size=0, max_size=25, unique=True)
CONDITIONS = st.one_of(
    st.none(),
    st.tuples(st.just("begins_with(sk, :a)"), st.text("01ab#", min_size=1, max_size=2)),
    st.tuples(
        st.sampled_from(["sk > :a", "sk >= :a", "sk < :a", "sk <= :a", "sk = :a"]),
        st.text("0a9#", min_size=1, max_size=3),
    ),
    st.tuples(st.just("sk BETWEEN :a AND :b"), st.text("0a9", min_size=1, max_size=2)),
)


def expected_keys(keys: list[str], condition: tuple[str, str] | None, forward: bool) -> list[str]:
    def holds(key: str) -> bool:
        if condition is None:
            return True
        expression, value = condition
        return {
            "begins_with(sk, :a)": key.startswith(value),
            "sk > :a": key > value,
            "sk >= :a": key >= value,
            "sk < :a": key < value,
            "sk <= :a": key <= value,
            "sk = :a": key == value,
            "sk BETWEEN :a AND :b": value <= key <= value + "~",
        }[expression]

    return sorted((key for key in keys if holds(key)), reverse=not forward)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.tuples(SORT_KEYS, SORT_KEYS, CONDITIONS, st.booleans(), st.integers(1, 8)))
def test_query_pages_on_the_tables_key_are_dynamodbs_whatever_the_condition(
    stack: Stack, query: tuple[list[str], list[str], tuple[str, str] | None, bool, int]
) -> None:
    """`partition_queries` hands moto only the partition and, for a first page, `limit` + 1 items: every page,
    followed to the end, gives exactly the keys DynamoDB would, in its order."""
    keys, other, condition, forward, limit = query
    partition = f"query#{uuid.uuid4()}"
    for pk, sks in ((partition, keys), (f"{partition}-other", other)):
        for sk in sks:
            stack.dynamodb.put_item(TableName=stack.table, Item={"pk": {"S": pk}, "sk": {"S": sk}})
    expression, values = "pk = :p", {":p": {"S": partition}}
    if condition is not None:
        expression += f" AND {condition[0]}"
        values |= {":a": {"S": condition[1]}} | (
            {":b": {"S": condition[1] + "~"}} if ":b" in condition[0] else {}
        )
    found: list[str] = []
    start: dict[str, Any] | None = None
    while True:
        page = stack.dynamodb.query(
            TableName=stack.table,
            KeyConditionExpression=expression,
            ExpressionAttributeValues=values,
            ScanIndexForward=forward,
            Limit=limit,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        assert len(page["Items"]) <= limit
        found += [item["sk"]["S"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert found == expected_keys(keys, condition, forward)


def test_stream_records_read_as_dynamodb_streams_gives_them(stack: Stack) -> None:
    """`fast_stream_records` serialises GetRecords itself: what a client reads is DynamoDB Streams' shape."""
    item = {"pk": {"S": "streamed"}, "sk": {"S": "x"}, "n": {"N": "7"}, "l": {"L": [{"S": "a"}]}}
    stack.dynamodb.put_item(TableName=stack.table, Item=item)
    (record,) = [r for r in stream_records(stack) if r["dynamodb"]["Keys"]["pk"]["S"] == "streamed"]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "streamed"}, "sk": {"S": "x"}}
    assert record["dynamodb"]["NewImage"] == item
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    created = record["dynamodb"]["ApproximateCreationDateTime"]
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert int(record["dynamodb"]["SequenceNumber"]) >= 0


def test_a_message_is_kept_for_its_queues_retention_and_no_longer(stack: Stack) -> None:
    """`cheap_retention_check` decides retention without moto's attribute computation, as moto did."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    sqs = stack.session.client("sqs")
    url = sqs.create_queue(QueueName="retention", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    sqs.send_message(QueueUrl=url, MessageBody="new")
    backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    messages: dict[str, Any] = {m.body: m for m in backend.get_queue("retention")._messages}
    messages["old"].sent_timestamp -= 61_000  # sent 61 s ago, by moto's clock (milliseconds)
    kept = {
        body: backend.is_message_valid_based_on_retention_period("retention", m)
        for body, m in messages.items()
    }
    assert kept == {"old": False, "new": True}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.lists(st.sampled_from("abcd"), min_size=1, max_size=30))
def test_a_fifo_receive_takes_one_group_and_leaves_the_others_to_other_receivers(
    stack: Stack, groups: list[str]
) -> None:
    """`fifo_batches_of_one_group`: each receive holds one group, its messages in order, so receivers side
    by side get a group each; a group's messages come again once their visibility times out, and every
    message is received exactly once when each batch is deleted."""
    sqs = stack.session.client("sqs")
    name = f"lane-{uuid.uuid4().hex[:8]}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    for n, group in enumerate(groups):
        sqs.send_message(
            QueueUrl=url, MessageBody=f"{group}{n}", MessageGroupId=group, MessageDeduplicationId=str(n)
        )

    def receive(timeout: int = 30) -> list[dict[str, Any]]:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=timeout)
        return [dict(message) for message in found.get("Messages", [])]

    held = [batch for batch in (receive() for _ in set(groups)) if batch]
    assert all(len({m["Body"][0] for m in batch}) == 1 for batch in held)  # a group each
    assert sorted(batch[0]["Body"][0] for batch in held) == sorted(set(groups))  # one receiver per group
    assert receive() == []  # every group is in flight
    first = held[0]
    sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for n, m in enumerate(first)
        ],
    )
    again = receive()
    assert [m["Body"] for m in again] == [m["Body"] for m in first]  # timed out: the same group, in order
    received: list[str] = []
    for taken in [again, *held[1:]]:
        batch = taken
        while batch:
            received += [m["Body"] for m in batch]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
            )
            batch = receive()
    assert sorted(received) == sorted(f"{group}{n}" for n, group in enumerate(groups))
    for group in set(groups):
        mine = [body for body in received if body[0] == group]
        assert mine == sorted(mine, key=lambda body: int(body[1:]))  # each group in the order sent


def test_each_host_is_served_by_its_own_service_however_often_asked() -> None:
    """`cached_service_lookup` remembers the service per host: the answers are moto's, host by host."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto_fixes.apply()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    hosts = {
        "s3.us-east-1.amazonaws.com": "s3",
        "dynamodb.us-east-1.amazonaws.com": "dynamodb",
        "streams.dynamodb.us-east-1.amazonaws.com": "dynamodbstreams",
        "sqs.us-east-1.amazonaws.com": "sqs",
        "events.us-east-1.amazonaws.com": "events",
    }
    for _ in range(2):
        assert {host: dispatcher.get_backend_for_host(host) for host in hosts} == hosts
    assert dispatcher.get_backend_for_host(None) is None


def test_s3_event_times_are_utc_whatever_the_hosts_time_zone(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`utc_event_times`: S3 stamps its events in UTC with a Z; moto wrote the host's local time."""
    monkeypatch.setenv("TZ", "Asia/Almaty")
    time.tzset()
    try:
        stack.discard_notifications()
        stack.put("zone.md", "x")
        ingest = stack.source("IngestFunction")
        (message,) = ingest.client.receive_message(QueueUrl=ingest.queue_url)["Messages"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamped = json.loads(message["Body"])["Records"][0]["eventTime"]
    assert stamped.endswith("Z")
    assert abs((datetime.now(UTC) - datetime.fromisoformat(stamped)).total_seconds()) < 60


# --- and refuse a moto they were not written for ---------------------------------------------------------


@pytest.mark.parametrize("version", ["5.1.21", "5.2.0", "6.0.0", "4.2.14"])
def test_the_fixes_refuse_a_moto_release_they_were_not_written_for(version: str) -> None:
    with pytest.raises(moto_fixes.UnknownMoto, match=f"moto {version} is installed"):
        moto_fixes.check_version(version)


def test_the_installed_moto_is_one_they_were_written_for() -> None:
    from importlib.metadata import version

    moto_fixes.check_version(version("moto"))


def test_a_fix_for_what_moto_no_longer_has_refuses_to_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    def query(self: Any, hash_key: Any, range_key_conditions: Any, limit: int) -> Any:  # the legacy pair gone
        raise AssertionError

    monkeypatch.setattr(Table, "query", query)
    monkeypatch.setattr(Table, moto_fixes._APPLIED, False, raising=False)
    with pytest.raises(moto_fixes.UnknownMoto, match="range_comparison, range_objs"):
        moto_fixes.partition_queries()
    monkeypatch.delattr(Table, "all_items")
    with pytest.raises(moto_fixes.UnknownMoto, match=r"Table\.all_items"):
        moto_fixes._replace(Table, "all_items", None)
