"""Content table stream -> here: regenerate the feeds, archive pages and sitemap the changes touched."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import is_article_item, record_from_item
from newsfeed.dal.public import PublicBucket
from newsfeed.dal.webhooks import WebhookQueue
from newsfeed.dal.websub import PingQueue
from newsfeed.handlers import per_process
from newsfeed.logic.publish import FeedPublisher, scope_changes
from newsfeed.logic.related import withdraw, withdrawn
from newsfeed.logic.webhooks import event_of, payload
from newsfeed.models.article import ArticleRecord
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


def images(record: dict[str, Any]) -> tuple[ArticleRecord | None, ArticleRecord | None] | None:
    """(old, new) of an article record; None for other items, and for rewrites that change nothing a
    feed shows (identical, or only the related list)."""
    change = record.get("dynamodb", {})
    old, new = change.get("OldImage"), change.get("NewImage")
    if not is_article_item(change.get("Keys", {})) or _without_related(old) == _without_related(new):
        return None
    return (record_from_item(old) if old else None), (record_from_item(new) if new else None)


def _without_related(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in image.items() if k != "related"} if image is not None else None


def withdraw_from_related(pairs: list[tuple[ArticleRecord | None, ArticleRecord | None] | None]) -> set[int]:
    """Take articles that stopped being public out of the related lists that show them; failed pairs."""
    failed = set()
    for n, pair in enumerate(pairs):
        article_id = withdrawn(*pair) if pair else None
        if article_id is None:
            continue
        try:
            changed = withdraw(content(), article_id)
        except Exception:
            logger.exception("removing an article from related lists failed", extra={"id": article_id})
            failed.add(n)
            continue
        logger.info("article left related lists", extra={"id": article_id, "lists": changed})
    return failed


@per_process
def webhooks() -> WebhookQueue | None:
    settings = get_settings()
    if not (settings.webhook_endpoints and settings.ping_queue_url):
        return None
    return WebhookQueue(settings.ping_queue_url, settings.webhook_endpoints)


def queue_webhooks(pairs: list[tuple[ArticleRecord | None, ArticleRecord | None] | None]) -> set[int]:
    """Queue each change's webhook event (delivered later, never holding up a publish); failed pairs."""
    queue = webhooks()
    if queue is None:
        return set()
    now, site = datetime.now(UTC), get_settings().site
    for n, pair in enumerate(pairs):
        event = event_of(*pair) if pair else None
        if event is None:
            continue
        try:
            queue.send([payload(*event, site, now)])
        except Exception:
            logger.exception("queueing a webhook failed", extra={"event": str(event[0])})
            return set(range(n, len(pairs)))
    return set()


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
    changes = scope_changes(p for p in pairs if p)
    for scope in sorted(changes, key=lambda scope: (scope != SITE, scope)):
        change = changes[scope]
        try:
            written = publisher().publish(scope, change)
        except Exception:
            logger.exception("feed regeneration failed", extra={"scope": f"{scope.kind}:{scope.slug}"})
            failed.add(scope)
            continue
        if written:
            logger.info("feeds written", extra={"scope": f"{scope.kind}:{scope.slug}", "files": written})
            metrics.add_metric(name="FeedFilesWritten", unit=MetricUnit.Count, value=len(written))
    unfinished = withdraw_from_related(pairs)
    unfinished |= queue_webhooks([None if n in unfinished else pair for n, pair in enumerate(pairs)])
    for n, (record, pair) in enumerate(zip(records, pairs, strict=True)):
        if pair and (n in unfinished or failed & set(scope_changes([pair]))):
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
