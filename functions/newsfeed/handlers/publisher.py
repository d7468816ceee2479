"""Content table stream -> here: regenerate the feeds, pages and sitemap the live changes touched (each scope
once per batch and each article's page from what is stored, so bursts coalesce: per scope and per slug, not
per record, which is why this is not all one BatchProcessor), index them for search, queue what they send to
followers on the fediverse, hand bulk changes (an import's, and pages whose related list alone changed) to the
bulk lane (`logic.site.lanes`), then queue each change's webhook event (per record, under Powertools'
BatchProcessor). Related lists are the other consumer of the stream (handlers/related_lists.py); the lists
they write come back here as changes of their articles' pages."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.bulk_lane import BacklogCounter, BulkLane
from newsfeed.dal.cdn import invalidate
from newsfeed.dal.content import ContentTable
from newsfeed.dal.federation import DeliveryQueue
from newsfeed.dal.items import ArticleChange, article_page_change, change_stamp
from newsfeed.dal.items import article_images as images
from newsfeed.dal.lists import ListStore
from newsfeed.dal.photos import PhotoQueue, PhotoStore, PhotoUseStore
from newsfeed.dal.public import PublicBucket
from newsfeed.dal.search_index import SearchIndexTable
from newsfeed.dal.webhooks import WebhookQueue
from newsfeed.dal.websub import PingQueue
from newsfeed.handlers import handed_to_bulk_lane, per_process
from newsfeed.logic.federation.activities import outgoing
from newsfeed.logic.federation.delivery import fanout_message
from newsfeed.logic.search.indexing import follow_changes
from newsfeed.logic.site.lanes import BulkWork, to_messages
from newsfeed.logic.site.photo_uses import PhotoShowing
from newsfeed.logic.site.regenerate import Regenerator, ScopeChange, scope_changes
from newsfeed.logic.webhooks import change_event
from newsfeed.models.backlog import slot
from newsfeed.models.fediverse import Fediverse
from newsfeed.models.scope import SITE, Scope
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
def search_index() -> SearchIndexTable:
    return ContentTable(get_settings().content_table).search


def index_for_search(pairs: list[ArticleChange]) -> bool:
    """Index the live changes' articles as stored (an import's are the related-lists function's); False if
    that failed."""
    try:
        if indexed := follow_changes(search_index(), lists().articles, pairs):
            logger.info("indexed for search", extra={"articles": indexed})
    except Exception:
        logger.exception("search indexing failed")
        return False
    return True


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
def delivery_queue() -> DeliveryQueue | None:
    settings = get_settings()
    return DeliveryQueue(settings.delivery_queue_url) if settings.delivery_queue_url else None


def queue_for_followers(pairs: list[ArticleChange]) -> bool:
    """Queue what the live changes send to followers on the fediverse (an import's send nothing: its
    stories are not news to them); False if that failed."""
    if (queue := delivery_queue()) is None:
        return True
    settings = get_settings()
    we = Fediverse(settings.site, settings.actor_name)
    sent = [activity for old, new in pairs for activity in outgoing(we, old, new)]
    try:
        queue.send([fanout_message(activity) for activity in sent])
    except Exception:
        logger.exception("activities not queued for followers", extra={"activities": len(sent)})
        return False
    if sent:
        logger.info("queued for followers", extra={"activities": [a.summary for a in sent]})
    return True


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


@per_process
def bulk_lane() -> BulkLane | None:
    settings = get_settings()
    if not settings.bulk_queue_url:
        return None
    return BulkLane(settings.bulk_queue_url, BacklogCounter(settings.content_table))


def hand_over(changes: list[tuple[dict[str, Any], ArticleChange | None, tuple[str, Any] | None]]) -> bool:
    """Hand the bulk records' pages and scopes ((record, its images, its page change) each) to the bulk
    lane; False if that failed."""
    records = [record for record, _, _ in changes]
    work = BulkWork()
    for record, pair, page in changes:
        work.add(page[0] if page else None, pair, change_stamp(record))
    try:
        bulk_lane().hand_over(to_messages(work, slot(time.time())))  # type: ignore[union-attr]
    except Exception:
        logger.exception("bulk work not handed over", extra={"records": len(records)})
        return False
    logger.info("bulk work handed over", extra={"records": len(records), "pages": len(work.pages)})
    return True


def regenerate_pages(slugs: list[str]) -> set[str]:
    """Bring these slugs' pages up to what is stored; the slugs that failed."""
    failed = set()
    for slug in slugs:
        try:
            publisher().regenerate_pages([slug])
        except Exception:
            logger.exception("page regeneration failed", extra={"slug": slug})
            failed.add(slug)
    return failed


def regenerate_scopes(touched: dict[Scope, ScopeChange]) -> set[Scope]:
    """Each scope once (the site first: its feeds are the ones most readers poll); the scopes that failed."""
    failed = set()
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
    return failed


def queue_webhooks(
    records: list[dict[str, Any]], pairs: list[ArticleChange | None], context: Any
) -> set[str]:
    """Queue each change's webhook event; the sequence numbers of those not queued."""
    if (queue := webhook_queue()) is None:
        return set()
    changes = {r["dynamodb"]["SequenceNumber"]: p for r, p in zip(records, pairs, strict=True) if p}
    webhooks = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with webhooks(records, partial(queue_webhook_event, queue, changes), lambda_context=context):
        webhooks.process()
    return {str(failure["itemIdentifier"]) for failure in webhooks.response()["batchItemFailures"]}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Live changes are written here and now: each page from what is stored, each scope once per batch.
    Bulk ones are handed to the bulk lane, so that they never hold a live one up. If anything fails, the
    first record it concerns is reported, and Lambda retries the batch from there."""
    records = event.get("Records", [])
    bulk = {id(r) for r in records if handed_to_bulk_lane(r)}
    pairs = [images(record) for record in records]  # each record parsed once
    changed = [article_page_change(r, pair) for r, pair in zip(records, pairs, strict=True)]
    pages = {id(r): page for r, page in zip(records, changed, strict=True) if page and id(r) not in bulk}
    # Pages first: a new one before any listing links to it; a taken-down one at once (takedowns first of
    # all: a reader may meet a 404 for the second until the feeds are rewritten, never the story).
    failed_pages = regenerate_pages(list(dict(pages.values())))
    live_pairs = [
        (p, change_stamp(r)) for r, p in zip(records, pairs, strict=True) if p and id(r) not in bulk
    ]
    failed = regenerate_scopes(scope_changes([p for p, _ in live_pairs], [s for _, s in live_pairs]))
    searchable = index_for_search([p for p, _ in live_pairs])  # findable once its feeds show it
    federated = queue_for_followers([p for p, _ in live_pairs])  # sent once its page and feeds show it
    # Then the bulk ones, which only wait in a queue: a live change in a batch with hundreds of them need not
    # wait for their hand-over (the bulk lane renders from what is stored, so the order changes nothing it
    # writes).
    handed = hand_over([c for c in zip(records, pairs, changed, strict=True) if id(c[0]) in bulk])
    photos_followed = withdraw_unshown_photos([p for p in pairs if p])  # once no page shows them
    unqueued = queue_webhooks(records, pairs, context)
    for record, pair in zip(records, pairs, strict=True):
        sequence = record.get("dynamodb", {}).get("SequenceNumber")
        page = pages.get(id(record))
        if (
            (id(record) in bulk and not handed)
            or (pair and (sequence in unqueued or not photos_followed))
            or (pair and id(record) not in bulk and failed & set(scope_changes([pair])))
            or (pair and id(record) not in bulk and not (searchable and federated))
            or (page and page[0] in failed_pages)
        ):
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}
