"""Content table stream -> here: regenerate the feeds of every scope the changed articles were or are in."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import is_article_item, record_from_item
from newsfeed.dal.public import PublicBucket
from newsfeed.logic.articles import feed_scopes_touched
from newsfeed.logic.publish import FeedPublisher
from newsfeed.models.scope import Scope
from newsfeed.observability import logger, metrics, tracer

get_settings()


@cache
def publisher() -> FeedPublisher:
    settings = get_settings()
    return FeedPublisher(
        source=ContentTable(settings.content_table),
        files=PublicBucket(settings.public_bucket),
        site=settings.site,
        items=settings.feed_items,
    )


def scopes_of_record(record: dict[str, Any]) -> set[Scope]:
    change = record.get("dynamodb", {})
    if not is_article_item(change.get("Keys", {})):
        return set()
    old, new = change.get("OldImage"), change.get("NewImage")
    if old == new:  # an identical rewrite changes no feed
        return set()
    return feed_scopes_touched(record_from_item(old) if old else None, record_from_item(new) if new else None)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each scope is regenerated once per batch however many of its articles changed (bursts coalesce).

    If a scope fails, the batch reports the first record touching it, and Lambda retries from there.
    """
    records = event.get("Records", [])
    touched = [scopes_of_record(record) for record in records]
    failed: set[Scope] = set()
    for scope in sorted(set().union(*touched)):
        try:
            written = publisher().regenerate([scope])
        except Exception:
            logger.exception("feed regeneration failed", extra={"scope": str(scope)})
            failed.add(scope)
            continue
        if written:
            logger.info("feeds written", extra={"scope": f"{scope.kind}:{scope.slug}", "files": written})
            metrics.add_metric(name="FeedFilesWritten", unit=MetricUnit.Count, value=len(written))
    for record, scopes in zip(records, touched, strict=True):
        if scopes & failed:
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
