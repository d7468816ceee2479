"""The pipeline in moto seen from the API and the rejection reports; the Lambda-shaped sample events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.event_sources import LambdaContext
from starlette.testclient import TestClient

from newsfeed.api.app import create_app
from newsfeed.cli.transfer import Importer, Summary
from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from tests.support import ROOT
from tests.support.moto import Stack


def api(stack: Stack) -> TestClient:
    table = ContentTable(stack.table)
    return TestClient(create_app(get_settings().site, table.articles, lambda: table))


def report(stack: Stack, key: str) -> dict[str, Any] | None:
    try:
        body = stack.s3.get_object(Bucket=stack.uploads, Key=f"rejected/{key}.json")["Body"].read()
    except stack.s3.exceptions.NoSuchKey:
        return None
    loaded: dict[str, Any] = json.loads(body)
    return loaded


EVENTS = ROOT / "events" / "lambda"


KEY = "inbox/Kazakh leader Қазақ + crisis.md"  # what events/lambda/sqs-upload-*.json encode


def event(name: str, **replace: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def s3_event(name: str, stack: Stack, etag: str = "", sequencer: str | None = None) -> dict[str, Any]:
    sqs = event(name)
    body = json.loads(
        sqs["Records"][0]["body"].replace("UPLOADS-BUCKET", stack.uploads).replace("REPLACE-WITH-ETAG", etag)
    )
    if sequencer:
        body["Records"][0]["s3"]["object"]["sequencer"] = sequencer
    sqs["Records"][0]["body"] = json.dumps(body)
    return sqs


def ingest(sqs_event: dict[str, Any]) -> dict[str, Any]:
    from newsfeed.handlers.ingest import handler

    result: dict[str, Any] = handler(sqs_event, LambdaContext("IngestFunction"))
    return result


def run_import(stack: Stack, root: Path, timeout: float = 30) -> Summary:
    progress: list[int] = []
    importer = Importer(
        UploadBucket(stack.uploads),
        ContentTable(stack.table),
        root,
        workers=4,
        on_progress=progress.append,
        wait=lambda: stack.drain("IngestFunction"),  # the publisher (feeds, related lists) catches up after
    )
    summary = importer.run(timeout)
    assert sum(progress) == summary.total - summary.pending
    return summary
