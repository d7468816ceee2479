"""The template's resources in moto with the functions' settings, and Lambda's event sources played by us."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

SITE_ENV = {
    "SITE_NAME": "KazPost",
    "SITE_URL": "https://kazpost.example",
    "SITE_DESCRIPTION": "News from Kazakhstan and the world.",
    "SITE_LANGUAGE": "en",
    "FEEDS_URL": "https://feeds.kazpost.example",
    "CONTENT_TABLE": "content",
    "UPLOADS_BUCKET": "newsfeed-test-uploads",
    "PUBLIC_BUCKET": "newsfeed-test-public",
}
# A process of its own (a benchmark, a cold start): the site, fake credentials, quiet Powertools.
PROCESS_ENV = SITE_ENV | {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


def reset_caches() -> None:
    from newsfeed import handlers

    handlers.reset()


@dataclass
class Stack:
    """The template's resources in moto, the function settings, and Lambda's event sources played by us."""

    session: boto3.session.Session
    outputs: dict[str, str]
    sources: list[Any]

    @property
    def s3(self) -> Any:
        return self.session.client("s3")

    @property
    def dynamodb(self) -> Any:
        return self.session.client("dynamodb")

    @property
    def uploads(self) -> str:
        return self.outputs["UploadsBucketName"]

    @property
    def public(self) -> str:
        return self.outputs["PublicBucketName"]

    @property
    def table(self) -> str:
        return self.outputs["ContentTableName"]

    def drain(self, *functions: str, timeout: float = 60) -> None:
        """Run the event sources (of `functions`, or all) until they are idle."""
        from infra.event_sources import drain

        drain([s for s in self.sources if not functions or s.function in functions], timeout)

    def source(self, function: str) -> Any:
        return next(source for source in self.sources if source.function == function)

    def discard_notifications(self) -> None:
        """Drop what S3 queued for the ingest (a test that hands the handler its own events)."""
        ingest = self.source("IngestFunction")
        sqs, url = ingest.client, ingest.queue_url
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )

    @staticmethod
    def next_moment() -> None:
        """Return once the clock has left the millisecond it is in. moto's S3 events carry no sequencer, so
        their order is their time, and an article's times are kept to the millisecond: a change made after
        this is later than every change before it."""
        millisecond = time.time_ns() // 1_000_000
        while time.time_ns() // 1_000_000 == millisecond:
            pass

    def put(self, name: str, body: bytes | str) -> str:
        self.next_moment()
        data = body.encode() if isinstance(body, str) else body
        return str(self.s3.put_object(Bucket=self.uploads, Key=f"inbox/{name}", Body=data)["ETag"].strip('"'))

    def feed(self, path: str = "feeds/rss.xml") -> bytes:
        return bytes(self.s3.get_object(Bucket=self.public, Key=path)["Body"].read())


@contextmanager
def moto_stack(monkeypatch: pytest.MonkeyPatch, parameters: dict[str, str] | None = None) -> Iterator[Stack]:
    """The template's resources in moto (`parameters` override its defaults); the functions' settings set."""
    from infra import moto_fixes
    from infra.event_sources import event_sources
    from infra.resources import create_resources
    from moto import mock_aws

    moto_fixes.apply()
    with mock_aws():
        session = boto3.session.Session()
        resources = create_resources(
            session,
            local_urls={
                "ApiUrl": "https://api.kazpost.example",
                "FeedsUrl": SITE_ENV["FEEDS_URL"],
            },
            parameters=parameters,
        )
        for name, value in next(iter(resources.functions.values())).environment.items():
            monkeypatch.setenv(name, value)
        reset_caches()
        sources: list[Any] = list(event_sources(session, resources))
        stack = Stack(session, resources.outputs, sources)
        stack.drain()  # the S3 test event sent when the notification was configured
        yield stack


def table(dynamodb: Any, name: str) -> str:
    """A table keyed like the content table, with a stream, through `dynamodb` (a client)."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name
