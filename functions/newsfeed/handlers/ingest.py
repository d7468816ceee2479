"""Uploads bucket -> SQS -> here: each upload change becomes stored content, or a rejection report.

Each change is applied at most once per `IDEMPOTENCY` window (Powertools idempotency keyed on the change's
identity); beyond it, the content table's own ordering (S3's sequencer) still turns a late repeat into a
no-op. A change being applied by an invocation that then timed out is retried once that invocation's
remaining time has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import SettingsError, get_settings
from newsfeed.dal.articles import ArticleStore
from newsfeed.dal.photos import ArticlePhotos, PhotoQueue, PhotoStore
from newsfeed.dal.processed import processed_changes
from newsfeed.dal.queues import retry_later
from newsfeed.dal.uploads import UploadBucket
from newsfeed.handlers import per_process
from newsfeed.logic.bulk import apply_bundle, is_bundle
from newsfeed.logic.events import parse_notification
from newsfeed.logic.ingest import Ingest
from newsfeed.models import limits
from newsfeed.models.errors import PhotoPending
from newsfeed.models.photo import is_photo_key
from newsfeed.models.upload import UploadChange
from newsfeed.observability import logger, metrics, tracer

# A change is who (bucket, key), what (kind) and which version (S3's sequencer, else the event time; ETag).
IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="[kind, bucket, key, sequencer || event_time, etag]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=limits.IDEMPOTENCY_HOURS * 3600,
)
get_settings()  # a misconfigured function fails at cold start, naming the variable


@per_process
def articles() -> ArticleStore:
    return ArticleStore(get_settings().content_table)


@per_process
def ingest() -> Ingest:
    settings = get_settings()
    return Ingest(
        files=UploadBucket(settings.uploads_bucket),
        store=articles(),
        default_language=settings.site_language,
        photos=ArticlePhotos(PhotoStore(settings.content_table), photo_queue()),
    )


def _apply(change: UploadChange, may_wait: bool = False) -> dict[str, Any]:
    if is_bundle(change):
        result = apply_bundle(ingest(), articles(), change, may_wait=may_wait)
    else:
        result = ingest().apply(change, may_wait=may_wait)
    problems = [problem.model_dump(exclude_none=True) for problem in result.problems]
    if result.unexpected:  # refused, changing nothing, but by a fault of ours: worth an alarm
        logger.error(
            "upload refused by an unexpected error", extra={"key": change.key, "errors": result.unexpected}
        )
    return {"outcome": str(result.outcome), "slug": result.slug, "problems": problems}


@per_process
def apply_once() -> Callable[..., dict[str, Any]]:
    table = get_settings().idempotency_table
    if not table:
        raise SettingsError("IDEMPOTENCY_TABLE must name the ingest's idempotency table")
    once: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="change", persistence_store=processed_changes(table), config=IDEMPOTENCY
    )(_apply)
    return once


@per_process
def photo_queue() -> PhotoQueue:
    queue_url = get_settings().photo_queue_url
    if not queue_url:
        raise SettingsError("PHOTO_QUEUE_URL must name the image function's queue")
    return PhotoQueue(queue_url)


class IngestBatch(BatchProcessor):
    """A batch whose every record failed fails the invocation (Lambda's Errors metric: the alarm), unless
    each record is only waiting for its photo: an expected retry, not a fault."""

    def _entire_batch_failed(self) -> bool:
        waiting = all(isinstance(exception[1], PhotoPending) for exception in self.exceptions)
        return super()._entire_batch_failed() and not waiting


def queue_url(arn: str | None) -> str:
    """The URL of the queue a message came from: the ingest's, or the one of import bundles."""
    settings = get_settings()
    name = (arn or "").rsplit(":", 1)[-1]
    return next(
        (u for u in (settings.import_queue_url,) if u and u.endswith(f"/{name}")), settings.ingest_queue_url
    )


def handle_message(record: SQSRecord) -> None:
    notification = parse_notification(record.body)
    for reason in notification.ignored:
        logger.info("message ignored", extra={"message_id": record.message_id, "reason": reason})
    if photos := [change for change in notification.changes if is_photo_key(change.key)]:
        photo_queue().send(photos)  # the image function's: Pillow and its memory are its alone
    attempt = int(record.attributes.approximate_receive_count or 1)
    may_wait = attempt <= len(limits.PHOTO_WAIT_SECONDS)  # an article's photo may be on its way
    for change in notification.changes:
        if is_photo_key(change.key):
            continue
        try:
            result = apply_once()(change=change, may_wait=may_wait)
        except PhotoPending as pending:
            delay = limits.PHOTO_WAIT_SECONDS[attempt - 1]
            retry_later(queue_url(record.event_source_arn), record.receipt_handle, delay)
            logger.info("article waits for its photo", extra={"key": change.key, "photo": pending.key})
            raise
        log = logger.warning if result["problems"] else logger.info
        log(f"upload {result['outcome']}", extra={"key": change.key, **result})
        metrics.add_metric(name=f"Uploads{result['outcome'].title()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    IDEMPOTENCY.register_lambda_context(context)
    return process_partial_response(
        event=event,
        record_handler=handle_message,
        processor=IngestBatch(event_type=EventType.SQS),
        context=context,
    )
