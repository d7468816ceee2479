"""Content table stream -> here: regenerate the feeds, pages and sitemap the changes touched (each scope
once per batch and each article's page from its latest record, so bursts coalesce: per scope and per slug,
not per record, which is why this is not all one BatchProcessor), then queue each change's webhook event
(per record, under Powertools' BatchProcessor). Related lists are the other consumer of the stream
(handlers/related_lists.py); the lists they write come back here as changes of their articles' pages."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.cdn import invalidate
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import ArticleChange, article_page_change
from newsfeed.dal.items import article_images as images
from newsfeed.dal.lists import ListStore
from newsfeed.dal.photos import PhotoQueue, PhotoStore, PhotoUseStore
from newsfeed.dal.public import PublicBucket
from newsfeed.dal.webhooks import WebhookQueue
from newsfeed.dal.websub import PingQueue
from newsfeed.handlers import per_process
from newsfeed.logic.site.photo_uses import PhotoShowing
from newsfeed.logic.site.regenerate import Regenerator, has_page, scope_changes
from newsfeed.logic.webhooks import change_event
from newsfeed.models.article import ArticleRecord
from newsfeed.models.scope import SITE
from newsfeed.observability import logger, metrics, tracer

get_settings()


@per_process
def lists() -> ListStore:
    return ContentTable(get_settings().content_table).lists


@per_process
def publisher() -> Regenerator:
    settings = get_settings()
    return Regenerator(
        source=lists(),
        files=PublicBucket(settings.public_bucket),
        book=FeedBookkeeping(settings.content_table),
        site=settings.site,
        items=settings.feed_items,
        pinger=PingQueue(settings.ping_queue_url) if settings.ping_queue_url else None,
    )


@per_process
def webhook_queue() -> WebhookQueue | None:
    settings = get_settings()
    if settings.webhook_endpoints and settings.ping_queue_url:
        return WebhookQueue(settings.ping_queue_url, settings.webhook_endpoints)
    return None


def queue_webhook_event(
    queue: WebhookQueue, changes: dict[str, ArticleChange], record: DynamoDBRecord
) -> None:
    """Queue the webhook event of one change (`changes`: the batch's, by sequence number, read once)."""
    sequence = record.dynamodb.sequence_number if record.dynamodb else None
    change = changes.get(sequence) if sequence else None
    if sequence is None or change is None:
        return
    event = change_event(sequence, *change, get_settings().site, datetime.now(UTC))
    if event is not None:
        try:
            queue.send([event])
        except Exception:
            logger.exception("webhook event not queued", extra={"change": sequence})
            raise


@per_process
def photo_showing() -> PhotoShowing:
    settings = get_settings()
    return PhotoShowing(
        uses=PhotoUseStore(settings.content_table),
        files=PublicBucket(settings.public_bucket),
        records=PhotoStore(settings.content_table),
        invalidate=partial(invalidate, settings.distribution_id),
        make_again=partial(PhotoQueue(settings.photo_queue_url).make_again, settings.uploads_bucket),
    )


def withdraw_unshown_photos(pairs: list[ArticleChange]) -> bool:
    """Follow which photos articles show, and stop serving those none does; False if that failed."""
    try:
        if withdrawn := photo_showing().follow(pairs):
            logger.info("photos withdrawn", extra={"digests": withdrawn})
    except Exception:
        logger.exception("photo withdrawal failed")
        return False
    return True


def regenerate_pages(latest: dict[str, ArticleRecord | None], *, shown: bool) -> set[str]:
    """The page of each article the batch changed, from its latest record: those with a page now (`shown`),
    or those without one; the slugs that failed."""
    failed = set()
    for slug, record in latest.items():
        if has_page(record) is not shown:
            continue
        try:
            publisher().regenerate_pages({slug: record})
        except Exception:
            logger.exception("page regeneration failed", extra={"slug": slug})
            failed.add(slug)
    return failed


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each scope is handled once per batch (bursts coalesce), the site first: its feeds are the ones most
    readers poll. If a scope or a page fails, the first record touching it is reported, and Lambda retries
    the batch from there."""
    records = event.get("Records", [])
    pairs = [images(record) for record in records]
    pages = [article_page_change(record) for record in records]
    latest = dict(page for page in pages if page)  # each slug's last record in the batch
    failed_pages = regenerate_pages(latest, shown=True)  # before any listing links to them
    failed = set()
    touched = scope_changes(p for p in pairs if p)
    for scope in sorted(touched, key=lambda scope: (scope != SITE, scope)):
        try:
            written = publisher().regenerate(scope, touched[scope])
        except Exception:
            logger.exception("feed regeneration failed", extra={"scope": f"{scope.kind}:{scope.slug}"})
            failed.add(scope)
            continue
        if written:
            logger.info("feeds written", extra={"scope": f"{scope.kind}:{scope.slug}", "files": written})
            metrics.add_metric(name="FeedFilesWritten", unit=MetricUnit.Count, value=len(written))
    failed_pages |= regenerate_pages(latest, shown=False)  # once no listing links to them
    photos_followed = withdraw_unshown_photos([p for p in pairs if p])  # once no page shows them
    unqueued: set[str] = set()
    if (queue := webhook_queue()) is not None:
        changes = {r["dynamodb"]["SequenceNumber"]: p for r, p in zip(records, pairs, strict=True) if p}
        webhooks = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
        with webhooks(records, partial(queue_webhook_event, queue, changes), lambda_context=context):
            webhooks.process()
        unqueued = {str(failure["itemIdentifier"]) for failure in webhooks.response()["batchItemFailures"]}
    for record, pair, page in zip(records, pairs, pages, strict=True):
        sequence = record.get("dynamodb", {}).get("SequenceNumber")
        if (
            pair and (sequence in unqueued or failed & set(scope_changes([pair])) or not photos_followed)
        ) or (page and page[0] in failed_pages):
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
