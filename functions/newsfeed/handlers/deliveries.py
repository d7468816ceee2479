"""Delivery queue -> here: fan an activity out to its followers' servers a page at a time, then sign and POST
it to each server's inbox (`logic.federation.delivery`: retries, 410 Gone, giving up)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.federation import DeliveryQueue, FollowerStore, as_json, post_activity
from newsfeed.dal.http import PostFailed, Refused
from newsfeed.dal.queues import retry_later
from newsfeed.handlers import actor_private_key, each_message, per_process
from newsfeed.logic.federation import delivery, signatures
from newsfeed.models.fediverse import Fediverse
from newsfeed.observability import logger, metrics, tracer

get_settings()


@per_process
def followers() -> FollowerStore:
    return FollowerStore(get_settings().content_table)


@per_process
def queue() -> DeliveryQueue:
    return DeliveryQueue(get_settings().delivery_queue_url)


def fediverse() -> Fediverse:
    settings = get_settings()
    return Fediverse(settings.site, settings.actor_name)


def handle_message(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if "fanout" in message:
        fan_out(message["fanout"])
    else:
        deliver(record, message["deliver"])


def fan_out(fanout: dict[str, Any]) -> None:
    """One page of one audience's servers: a delivery each (not to those an earlier audience has), then the
    message for the next page."""
    outgoing = delivery.outgoing_of(fanout)
    audience = outgoing.audiences[fanout["audience"]]
    servers, after = followers().servers(audience, fanout.get("after"))
    earlier = outgoing.audiences[: fanout["audience"]]
    messages = [
        delivery.deliver_message(server.inbox, outgoing, [audience])
        for server in servers
        if (server.followers > 0 or outgoing.to_former_servers)
        and not any(followers().serves(name, server.inbox) for name in earlier)
    ]
    following = None
    if after is not None:
        following = delivery.fanout_message(outgoing, fanout["audience"], after)
    elif fanout["audience"] + 1 < len(outgoing.audiences):
        following = delivery.fanout_message(outgoing, fanout["audience"] + 1)
    queue().send(messages + ([following] if following else []))
    logger.info("fanned out", extra={"activity": outgoing.activity["id"], "servers": len(messages)})


def deliver(record: SQSRecord, message: dict[str, Any]) -> None:
    inbox, names, activity = message["inbox"], message["names"], message["activity"]
    body = as_json(activity)
    we = fediverse()
    headers = signatures.sign(
        actor_private_key(), we.key_id(message["signer"]), "POST", inbox, body=body, now=datetime.now(UTC)
    )
    attempt = int(record.attributes.approximate_receive_count or 1)
    try:
        post_activity(inbox, body, headers, allow_private=get_settings().fediverse_private_peers)
    except Refused as refused:
        dropped = followers().drop_server(names, inbox)
        logger.warning(
            "follower inbox refused: forgotten",
            extra={"inbox": inbox, "followers": dropped, "why": str(refused)},
        )
        return
    except PostFailed as failed:
        if failed.status == 410:
            dropped = followers().drop_server(names, inbox)
            logger.info("follower server gone (410): forgotten", extra={"inbox": inbox, "followers": dropped})
            return
        since = followers().failing(names, inbox, time.time())
        if time.time() - since > delivery.GIVE_UP_SECONDS:
            dropped = followers().drop_server(names, inbox)
            logger.warning(
                "follower server failing for days: forgotten", extra={"inbox": inbox, "followers": dropped}
            )
            return
        retry_later(get_settings().delivery_queue_url, record.receipt_handle, delivery.retry_delay(attempt))
        logger.warning(
            "delivery failed; it will be retried",
            extra={"inbox": inbox, "activity": activity.get("id"), "attempt": attempt, "error": str(failed)},
        )
        metrics.add_metric(name="DeliveryFailures", unit=MetricUnit.Count, value=1)
        raise
    if attempt > 1:
        followers().delivered(names, inbox)
    logger.info(
        "delivered", extra={"inbox": inbox, "activity": activity.get("id"), "type": activity.get("type")}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return each_message(handle_message, event, context)
