"""Nothing lost: duplicate and out-of-order events, poison records, failing writes, throttling, timeouts.

Faults are injected at the HTTP layer (tests/faults.py), so botocore's retry policy and our error handling
see exactly what AWS would send.
"""

from __future__ import annotations

import json
import time
import types
from collections import Counter
from typing import Any

import feedparser
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from infra.event_sources import LambdaContext

from newsfeed.dal import clients
from newsfeed.dal.content import ContentTable
from newsfeed.logic.site.paths import FeedFormat, feed_path
from newsfeed.models.article import Article
from newsfeed.models.scope import SITE
from tests.support.factories import markdown
from tests.support.faults import Fault, Faults
from tests.support.moto import Stack
from tests.support.pipeline import KEY, ingest, s3_event

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


@pytest.fixture
def calls(stack: Stack) -> Counter[str]:
    """AWS calls made by the functions from here on, as "Operation table-or-bucket"."""
    counts: Counter[str] = Counter()

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        target = params.get("TableName") or params.get("Bucket")
        if model.name == "TransactWriteItems":
            target = next(iter(params["TransactItems"][0].values()))["TableName"]
        counts[f"{model.name} {target}"] += 1

    for client in (clients.s3(), clients.dynamodb()):
        client.meta.events.register("provide-client-params", count)
    return counts


@pytest.fixture
def faults() -> Faults:
    injected = Faults()
    for client in (clients.s3(), clients.dynamodb()):
        injected.attach(client)
    return injected


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays botocore's retry policy waited (recorded, not slept)."""
    import botocore.endpoint

    waited: list[float] = []
    fake_time = types.SimpleNamespace(**{**vars(time), "sleep": waited.append})
    monkeypatch.setattr(botocore.endpoint, "time", fake_time)
    return waited


def table_writes(calls: Counter[str], table: str) -> int:
    return sum(n for call, n in calls.items() if call.split()[0] in WRITES and call.endswith(f" {table}"))


def put_upload(stack: Stack, body: str, key: str = KEY) -> str:
    etag = stack.s3.put_object(Bucket=stack.uploads, Key=key, Body=body.encode())["ETag"]
    stack.discard_notifications()  # the test hands the handler its own events
    return str(etag).strip('"')


def article_at(stack: Stack, key: str = KEY) -> Article:
    table = ContentTable(stack.table)
    upload = table.articles.upload_record(key)
    assert upload is not None, key
    record = table.articles.article_record(upload.slug)
    assert isinstance(record, Article)
    return record


def ledger(stack: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.dynamodb.scan(TableName=stack.outputs["IdempotencyTableName"])[
        "Items"
    ]
    return items


# --- ingest: at least once, out of order ------------------------------------------------------------------


def test_one_event_delivered_three_times_is_applied_once(stack: Stack, calls: Counter[str]) -> None:
    put = s3_event("sqs-upload-put.json", stack, put_upload(stack, markdown()))
    for _ in range(2):
        assert ingest(put) == {"batchItemFailures": []}
    twice_in_one_batch = {"Records": [put["Records"][0], {**put["Records"][0], "messageId": "again"}]}
    assert ingest(twice_in_one_batch) == {"batchItemFailures": []}
    assert table_writes(calls, stack.table) == 1
    assert calls[f"GetObject {stack.uploads}"] == 1  # repeats are answered from the ledger
    assert [item["status"]["S"] for item in ledger(stack)] == ["COMPLETED"]


def test_v2_delivered_before_v1_leaves_v2(stack: Stack) -> None:
    v1 = put_upload(stack, markdown("Version one of the story"))
    v2 = put_upload(stack, markdown("Version two of the story", slug="the-story"))
    ingest(s3_event("sqs-upload-put.json", stack, v2, sequencer="0055AED6DCD90281E6"))
    ingest(s3_event("sqs-upload-put.json", stack, v1, sequencer="0055AED6DCD90281E5"))
    assert article_at(stack).title == "Version two of the story"


@pytest.mark.parametrize(
    "name",
    ["with space.md", "plus+sign.md", "100% sure.md", "Қазақ жаңалықтары.md", "nested/deeper/story.md"],
)
def test_keys_s3_encodes_are_ingested_under_the_editors_name(stack: Stack, name: str) -> None:
    stack.put(name, markdown(f"Story filed as {name}"))
    stack.drain()
    assert article_at(stack, f"inbox/{name}").title == f"Story filed as {name}"


def test_a_test_event_and_a_foreign_message_do_not_fail_a_batch_with_real_work(stack: Stack) -> None:
    upload = s3_event("sqs-upload-put.json", stack, put_upload(stack, markdown()))["Records"][0]
    batch = {
        "Records": [
            {**upload, "messageId": "test", "body": json.dumps({"Event": "s3:TestEvent"})},
            {**upload, "messageId": "sns", "body": json.dumps({"Type": "Notification"})},
            {**upload, "messageId": "junk", "body": "\x00not json"},
            upload,
        ]
    }
    assert ingest(batch) == {"batchItemFailures": []}
    assert article_at(stack).title.startswith("Kazakh leader")


# --- ingest: failures mid-way -----------------------------------------------------------------------------


class Killed(BaseException):
    """What Lambda does to an invocation at its timeout: no exception handler runs."""


def test_an_ingest_killed_at_its_timeout_is_completed_by_the_retry(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.handlers import ingest as module

    put = s3_event("sqs-upload-put.json", stack, put_upload(stack, markdown()))
    real_save = module.ingest().store.save

    def save_then_die(change: Any) -> None:
        raise Killed

    monkeypatch.setattr(module.ingest().store, "save", save_then_die)
    with pytest.raises(Killed):
        module.handler(put, LambdaContext("IngestFunction", timeout_seconds=1))
    assert [item["status"]["S"] for item in ledger(stack)] == ["INPROGRESS"]

    monkeypatch.setattr(module.ingest().store, "save", real_save)
    # SQS redelivers while the killed invocation's time has not run out: the batch fails, SQS keeps it
    with pytest.raises(BatchProcessingError, match="already in progress"):
        module.handler(put, LambdaContext("IngestFunction"))
    assert ContentTable(stack.table).articles.upload_record(KEY) is None

    time.sleep(1.1)  # past the killed invocation's timeout: its claim on the change has expired
    assert module.handler(put, LambdaContext("IngestFunction")) == {"batchItemFailures": []}
    assert article_at(stack).title.startswith("Kazakh leader")
    assert [item["status"]["S"] for item in ledger(stack)] == ["COMPLETED"]


@pytest.mark.parametrize(
    "reasons",
    [["None", "ConditionalCheckFailed"], ["None", "TransactionConflict"]],
    ids=["article-changed-meanwhile", "transaction-conflict"],
)
def test_a_cancelled_content_write_is_retried(stack: Stack, faults: Faults, reasons: list[str]) -> None:
    cancelled = faults.add(
        Fault(
            "dynamodb",
            "TransactWriteItems",
            400,
            "TransactionCanceledException",
            details={"CancellationReasons": [{"Code": code} for code in reasons]},
        )
    )
    put = s3_event("sqs-upload-put.json", stack, put_upload(stack, markdown()))
    assert ingest(put) == {"batchItemFailures": []}
    assert (cancelled.failed, cancelled.seen) == (1, 2)
    assert article_at(stack).title.startswith("Kazakh leader")


def test_dynamodb_throttling_is_retried_with_backoff(
    stack: Stack, faults: Faults, backoffs: list[float]
) -> None:
    throttled = [
        faults.add(Fault("dynamodb", operation, 400, "ThrottlingException", times=2))
        for operation in ("GetItem", "TransactWriteItems")
    ]
    put = s3_event("sqs-upload-put.json", stack, put_upload(stack, markdown()))
    assert ingest(put) == {"batchItemFailures": []}
    assert [fault.failed for fault in throttled] == [2, 2]
    assert len(backoffs) == 4 and all(0 <= delay <= 20 for delay in backoffs)
    assert article_at(stack).title.startswith("Kazakh leader")


# --- publisher: failing writes, conflicts, poison records -------------------------------------------------


def feed_titles(stack: Stack) -> dict[FeedFormat, list[str]]:
    result: dict[FeedFormat, list[str]] = {}
    for fmt in FeedFormat:
        body = stack.feed(feed_path(SITE, fmt))
        if fmt is FeedFormat.JSON:
            result[fmt] = [item["title"] for item in json.loads(body)["items"]]
            continue
        parsed = feedparser.parse(body)
        assert not parsed.bozo, fmt
        result[fmt] = [entry.title for entry in parsed.entries]
    return result


def test_a_put_failing_mid_regeneration_is_made_good_by_the_retry(stack: Stack, faults: Faults) -> None:
    stack.put("first.md", markdown("The first story"))
    stack.drain()
    atom = feed_path(SITE, FeedFormat.ATOM)
    denied = faults.add(
        Fault("s3", "PutObject", 403, "AccessDenied", when=lambda request: request.url.endswith(atom))
    )
    stack.put("second.md", markdown("The second story"))
    stack.drain()
    assert denied.failed == 1 and denied.seen == 2  # the first attempt wrote rss.xml, then failed
    for fmt, titles in feed_titles(stack).items():
        assert titles == ["The second story", "The first story"], fmt


@pytest.mark.parametrize(
    ("status", "code"), [(412, "PreconditionFailed"), (409, "ConditionalRequestConflict")]
)
def test_a_conditional_feed_write_that_loses_is_redone(
    stack: Stack, faults: Faults, status: int, code: str
) -> None:
    conflict = faults.add(
        Fault("s3", "PutObject", status, code, when=lambda request: "/feeds/" in request.url)
    )
    stack.put("story.md", markdown("A contested story"))
    stack.drain()
    assert conflict.failed == 1
    for fmt, titles in feed_titles(stack).items():
        assert titles == ["A contested story"], fmt


def test_a_poison_record_is_dead_lettered_and_the_stream_moves_on(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.handlers import publisher as module

    real_regenerate = module.publisher().regenerate

    def regenerate(scope: Any, change: Any) -> list[str]:
        if scope.slug == "poison":
            raise RuntimeError("this scope cannot be regenerated")
        return real_regenerate(scope, change)

    monkeypatch.setattr(module.publisher(), "regenerate", regenerate)
    stack.put("bad.md", markdown("A story that cannot be published", section="Poison"))
    stack.put("good.md", markdown("A story filed after it", section="World"))
    stack.drain()
    assert "A story filed after it" in feed_titles(stack)[FeedFormat.RSS]

    sqs = stack.session.client("sqs")
    url = sqs.get_queue_url(QueueName="newsfeed-local-PublisherDeadLetterQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    failure = json.loads(messages[0]["Body"])  # Lambda's description of the batch, not the records
    assert failure["requestContext"]["functionArn"].endswith(":function:PublisherFunction")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    batch = failure["DDBStreamBatchInfo"]
    streams = stack.session.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=batch["streamArn"],
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator, Limit=batch["batchSize"])["Records"]
    assert any("poison" in json.dumps(record, default=str) for record in records)  # where to find them


def test_a_rewrite_with_equal_images_is_skipped(stack: Stack, calls: Counter[str]) -> None:
    from newsfeed.handlers.publisher import handler
    from tests.support.pipeline import event

    stream = event("stream-article-insert.json")
    record = stream["Records"][0]
    record["eventName"] = "MODIFY"
    record["dynamodb"]["OldImage"] = record["dynamodb"]["NewImage"]
    assert handler(stream, LambdaContext("PublisherFunction")) == {"batchItemFailures": []}
    assert not calls  # nothing read, nothing written
