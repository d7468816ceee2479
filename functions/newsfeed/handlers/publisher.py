"""Content table stream -> here: regenerate the feeds, archive pages and sitemap the changes touched; queue
webhook events. (Related lists are the other consumer of the stream: handlers/related.py.)"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import article_images as images
from newsfeed.dal.public import PublicBucket
from newsfeed.dal.webhooks import WebhookQueue
from newsfeed.dal.websub import PingQueue
from newsfeed.handlers import per_process
from newsfeed.logic.followups import Change, FollowUps
from newsfeed.logic.publish import FeedPublisher, scope_changes
from newsfeed.models.scope import SITE
from newsfeed.observability import logger, metrics, tracer

get_settings()


@per_process
def content() -> ContentTable:
    return ContentTable(get_settings().content_table)


@per_process
def publisher() -> FeedPublisher:
    settings = get_settings()
    return FeedPublisher(
        source=content(),
        files=PublicBucket(settings.public_bucket),
        book=FeedBookkeeping(settings.content_table),
        site=settings.site,
        items=settings.feed_items,
        pinger=PingQueue(settings.ping_queue_url) if settings.ping_queue_url else None,
    )


@per_process
def follow_ups() -> FollowUps:
    settings = get_settings()
    events = None
    if settings.webhook_endpoints and settings.ping_queue_url:
        events = WebhookQueue(settings.ping_queue_url, settings.webhook_endpoints)
    return FollowUps(settings.site, events)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each scope is handled once per batch (bursts coalesce), the site first: its feeds are the ones most
    readers poll. If a scope fails, the first record touching it is reported, and Lambda retries the batch
    from there."""
    records = event.get("Records", [])
    pairs = [images(record) for record in records]
    failed = set()
    touched = scope_changes(p for p in pairs if p)
    for scope in sorted(touched, key=lambda scope: (scope != SITE, scope)):
        try:
            written = publisher().publish(scope, touched[scope])
        except Exception:
            logger.exception("feed regeneration failed", extra={"scope": f"{scope.kind}:{scope.slug}"})
            failed.add(scope)
            continue
        if written:
            logger.info("feeds written", extra={"scope": f"{scope.kind}:{scope.slug}", "files": written})
            metrics.add_metric(name="FeedFilesWritten", unit=MetricUnit.Count, value=len(written))
    changes = [Change(r["dynamodb"]["SequenceNumber"], *p) for r, p in zip(records, pairs, strict=True) if p]
    unfinished = follow_ups().run(changes)  # webhooks (related lists: handlers/related.py)
    for change_id, error in follow_ups().errors:
        logger.error("webhooks failed", extra={"change": change_id, "error": repr(error)})
    for record, pair in zip(records, pairs, strict=True):
        sequence = record.get("dynamodb", {}).get("SequenceNumber")
        if pair and (sequence in unfinished or failed & set(scope_changes([pair]))):
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
