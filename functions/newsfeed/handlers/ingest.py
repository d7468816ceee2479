"""Uploads bucket -> SQS -> here: each upload change becomes stored content, or a rejection report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from newsfeed.handlers import per_process
from newsfeed.logic.events import parse_notification
from newsfeed.logic.ingest import Ingest
from newsfeed.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)
get_settings()  # a misconfigured function fails at cold start, naming the variable


@per_process
def ingest() -> Ingest:
    settings = get_settings()
    return Ingest(
        files=UploadBucket(settings.uploads_bucket),
        store=ContentTable(settings.content_table),
        default_language=settings.site_language,
    )


def handle_message(record: SQSRecord) -> None:
    notification = parse_notification(record.body)
    for reason in notification.ignored:
        logger.info("message ignored", extra={"message_id": record.message_id, "reason": reason})
    for change in notification.changes:
        result = ingest().apply(change)
        problems = [problem.model_dump(exclude_none=True) for problem in result.problems]
        log = logger.warning if problems else logger.info
        log(f"upload {result.outcome}", extra={"key": change.key, "slug": result.slug, "problems": problems})
        metrics.add_metric(name=f"Uploads{result.outcome.title()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_message, processor=processor, context=context
    )
