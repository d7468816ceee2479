"""Each handler in-process against moto, fed the AWS-shaped events of events/lambda (moto makes none)."""

from __future__ import annotations

import json

import pytest
from infra.event_sources import LambdaContext

from newsfeed.dal.content import ContentTable
from newsfeed.models.article import Article, Unpublished
from tests.support.factories import markdown
from tests.support.moto import Stack
from tests.support.pipeline import KEY, event, ingest, s3_event


def test_aws_shaped_put_with_sequencer_and_encoded_key(stack: Stack) -> None:
    etag = stack.s3.put_object(Bucket=stack.uploads, Key=KEY, Body=markdown().encode())["ETag"].strip('"')
    stack.discard_notifications()  # only our hand-made event
    assert ingest(s3_event("sqs-upload-put.json", stack, etag)) == {"batchItemFailures": []}
    table = ContentTable(stack.table)
    upload = table.articles.upload_record(KEY)
    assert upload is not None
    assert upload.order.startswith("S0055AED6DCD90281E5")
    assert isinstance(table.articles.article_record(upload.slug), Article)


def test_redelivery_and_older_events_change_nothing(stack: Stack) -> None:
    etag = stack.s3.put_object(Bucket=stack.uploads, Key=KEY, Body=markdown().encode())["ETag"].strip('"')
    stack.discard_notifications()
    put = s3_event("sqs-upload-put.json", stack, etag)
    ingest(put)
    table = ContentTable(stack.table)
    before = stack.dynamodb.scan(TableName=stack.table)["Items"]
    ingest(put)  # the same event again
    ingest(put)
    older = s3_event("sqs-upload-put.json", stack, etag, sequencer="0055AED6DCD90281")
    ingest(older)
    assert stack.dynamodb.scan(TableName=stack.table)["Items"] == before
    upload = table.articles.upload_record(KEY)
    assert upload is not None and upload.order.startswith("S0055AED6DCD90281E5")


def test_delete_before_put_leaves_the_article_deleted(stack: Stack) -> None:
    """v2 (a delete) delivered, then v1 (the put) arrives late: the article stays unpublished."""
    etag = stack.s3.put_object(Bucket=stack.uploads, Key=KEY, Body=markdown().encode())["ETag"].strip('"')
    stack.discard_notifications()
    put = s3_event("sqs-upload-put.json", stack, etag)
    ingest(put)
    stack.s3.delete_object(Bucket=stack.uploads, Key=KEY)
    stack.discard_notifications()
    ingest(s3_event("sqs-upload-delete.json", stack))
    ingest(put)  # late redelivery of the older put
    table = ContentTable(stack.table)
    upload = table.articles.upload_record(KEY)
    assert upload is not None and upload.deleted
    assert isinstance(table.articles.article_record(upload.slug), Unpublished)


def test_a_put_whose_object_changed_since_is_skipped(stack: Stack) -> None:
    stack.s3.put_object(Bucket=stack.uploads, Key=KEY, Body=markdown().encode())
    stack.discard_notifications()
    ingest(s3_event("sqs-upload-put.json", stack, "0" * 32))  # the event of an earlier version
    assert ContentTable(stack.table).articles.upload_record(KEY) is None


def test_an_oversized_upload_is_rejected_from_the_event_alone(stack: Stack) -> None:
    sqs = s3_event("sqs-upload-put.json", stack, "a" * 32)
    body = json.loads(sqs["Records"][0]["body"])
    body["Records"][0]["s3"]["object"]["size"] = 50 * 1024 * 1024
    body["Records"][0]["eventTime"] = "2024-03-29T04:00:00.123456Z"  # as moto stamps its events
    sqs["Records"][0]["body"] = json.dumps(body)
    ingest(sqs)  # no object exists: a download would fail, the size check happens first
    report = json.loads(stack.s3.get_object(Bucket=stack.uploads, Key=f"rejected/{KEY}.json")["Body"].read())
    assert report["rejected_at"] == "2024-03-29T04:00:00.123Z"  # milliseconds, as every time we write
    assert report["problems"][0]["field"] == "file"
    assert "limit" in report["problems"][0]["message"]


def test_test_events_and_foreign_messages_succeed_without_effect(stack: Stack) -> None:
    foreign = event("sqs-s3-test-event.json")
    foreign["Records"].append({**foreign["Records"][0], "messageId": "other", "body": "{not json"})
    assert ingest(foreign) == {"batchItemFailures": []}
    assert stack.dynamodb.scan(TableName=stack.table)["Items"] == []


def test_a_failing_record_is_reported_alone(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsfeed.handlers import ingest as module

    def broken(change: object) -> None:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(module.ingest(), "apply", broken)
    failing = s3_event("sqs-upload-put.json", stack, "a" * 32)
    failing["Records"].append(event("sqs-s3-test-event.json")["Records"][0] | {"messageId": "fine"})
    assert ingest(failing) == {"batchItemFailures": [{"itemIdentifier": failing["Records"][0]["messageId"]}]}


def test_publisher_handles_an_aws_shaped_stream_event(stack: Stack) -> None:
    from newsfeed.handlers.publisher import handler

    stream = event("stream-article-insert.json")
    item = stream["Records"][0]["dynamodb"]["NewImage"]
    list_entry = {
        "pk": {"S": "list#site"},
        "sk": {"S": "2024-03-29T04:00:00.000Z#" + item["id"]["S"]},
        **{
            k: v
            for k, v in item.items()
            if k
            not in (
                "pk",
                "sk",
                "body",
                "tag_slugs",
                "related",
                "content_hash",
                "source_key",
                "status",
                "revision",
            )
        },
    }
    stack.dynamodb.put_item(TableName=stack.table, Item=item)
    stack.dynamodb.put_item(TableName=stack.table, Item=list_entry)
    assert handler(stream, LambdaContext("PublisherFunction")) == {"batchItemFailures": []}
    assert b"urn:uuid:" + item["id"]["S"].encode() in stack.feed()
    # the same record again: nothing to write, and still success
    etag = stack.s3.head_object(Bucket=stack.public, Key="feeds/rss.xml")["ETag"]
    assert handler(stream, LambdaContext("PublisherFunction")) == {"batchItemFailures": []}
    assert stack.s3.head_object(Bucket=stack.public, Key="feeds/rss.xml")["ETag"] == etag


def test_publisher_reports_the_first_record_of_a_failed_scope(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.handlers import publisher as module

    def broken(scope: object, change: object) -> list[str]:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(module.publisher(), "regenerate", broken)
    stream = event("stream-article-insert.json")
    other_key = {"Keys": {"pk": {"S": "list#site"}, "sk": {"S": "x"}}, "SequenceNumber": "1"}
    stream["Records"].insert(0, {**stream["Records"][0], "dynamodb": other_key})
    sequence = stream["Records"][1]["dynamodb"]["SequenceNumber"]
    result = module.handler(stream, LambdaContext("PublisherFunction"))
    assert result == {"batchItemFailures": [{"itemIdentifier": sequence}]}


def test_related_function_handles_an_aws_shaped_stream_event(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content stream's second consumer: the article gets its related list (and an index entry), and
    a record whose upkeep fails is reported for Lambda to retry from."""
    from newsfeed.dal.related_index import RelatedIndexTable
    from newsfeed.handlers import related_lists as module

    stream = event("stream-article-insert.json")
    item = stream["Records"][0]["dynamodb"]["NewImage"]
    stack.dynamodb.put_item(TableName=stack.table, Item=item)
    assert module.handler(stream, LambdaContext("RelatedFunction")) == {"batchItemFailures": []}
    assert RelatedIndexTable(stack.table).signature(item["id"]["S"]) is not None
    stored = stack.dynamodb.get_item(TableName=stack.table, Key={"pk": item["pk"], "sk": item["sk"]})["Item"]
    assert stored["related"] == {"S": "[]"}  # nothing else published yet: an empty list, as one string

    def broken(article: object) -> int:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(module.relator(), "relate", broken)
    changed = {**item, "title": {"S": "A corrected title"}}
    stream["Records"][0]["dynamodb"] |= {"OldImage": item, "NewImage": changed}
    sequence = stream["Records"][0]["dynamodb"]["SequenceNumber"]
    assert module.handler(stream, LambdaContext("RelatedFunction")) == {
        "batchItemFailures": [{"itemIdentifier": sequence}]
    }
