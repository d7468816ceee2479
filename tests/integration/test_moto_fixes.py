"""The local stack's TransactWriteItems: all or nothing, and no stream records for what never happened."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Stack


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
