"""Ping queue -> here: tell every WebSub hub that a feed changed, and deliver webhooks (each retried later
on failure, after growing delays, then kept in the dead-letter queue)."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.queues import retry_later
from newsfeed.dal.webhooks import DeliveryError, deliver, webhook_secret
from newsfeed.dal.websub import HubError, ping_hub
from newsfeed.handlers import each_message
from newsfeed.logic.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, retry_delay, signature
from newsfeed.observability import logger, metrics, tracer

get_settings()


def handle_message(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if "webhook" in message:
        deliver_webhook(record, message["webhook"], message["event"])
    else:
        ping_hubs(message["topic"])


def deliver_webhook(record: SQSRecord, url: str, event: dict[str, Any]) -> None:
    queue_url = get_settings().ping_queue_url
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    secret = webhook_secret(get_settings().webhook_secret_arn)
    headers = {
        EVENT_HEADER: event["type"],
        DELIVERY_HEADER: record.message_id,  # the same on every attempt: receivers can drop repeats
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
    }
    try:
        deliver(url, body, headers)
    except DeliveryError as error:
        attempt = int(record.attributes.approximate_receive_count or 1)
        retry_later(queue_url, record.receipt_handle, retry_delay(attempt))
        logger.warning(
            "webhook delivery failed; it will be retried",
            extra={"url": url, "event": event["type"], "attempt": attempt, "error": str(error)},
        )
        metrics.add_metric(name="WebhookFailures", unit=MetricUnit.Count, value=1)
        raise
    logger.info("webhook delivered", extra={"url": url, "event": event["type"]})


def ping_hubs(topic: str) -> None:
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
    return each_message(handle_message, event, context)
