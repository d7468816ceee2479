"""Ping queue -> here: tell every configured WebSub hub that a feed changed (retried by SQS on failure)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.websub import HubError, ping_hub
from newsfeed.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)
get_settings()


def handle_message(record: SQSRecord) -> None:
    topic = json.loads(record.body)["topic"]
    failures = []
    for hub in get_settings().site.hubs:
        try:
            ping_hub(hub, topic)
        except HubError as error:
            failures.append(str(error))
    if failures:
        logger.warning("hub ping failed; it will be retried", extra={"topic": topic, "errors": failures})
        metrics.add_metric(name="HubPingFailures", unit=MetricUnit.Count, value=len(failures))
        raise HubError("; ".join(failures))
    logger.info("hubs pinged", extra={"topic": topic})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_message, processor=processor, context=context
    )
