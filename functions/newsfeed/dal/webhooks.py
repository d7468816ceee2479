"""Webhooks: queueing events for delivery, the signing secret, and the HTTP POST itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsfeed.dal import batch, clients, http

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

DELIVERY_TIMEOUT_SECONDS = 5
SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is used within five minutes


class DeliveryError(Exception):
    """The endpoint refused or did not answer; the delivery is retried later."""


@dataclass
class WebhookQueue:
    """The publisher's side: one message per endpoint and event (shares the hub-ping queue)."""

    queue_url: str
    endpoints: Sequence[str]
    client: SQSClient = field(default_factory=clients.sqs)

    def send(self, events: Sequence[dict[str, Any]]) -> None:
        messages = [{"webhook": url, "event": event} for event in events for url in self.endpoints]
        batch.send_all(self.client, self.queue_url, messages)


def webhook_secret(arn: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(arn, max_age=SECRET_MAX_AGE_SECONDS)
    return secret if isinstance(secret, str) else bytes(secret).decode()


def deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a webhook event; the endpoint's status, or DeliveryError unless it answers 2xx."""
    try:
        return http.post(url, body, {"Content-Type": "application/json", **headers}, DELIVERY_TIMEOUT_SECONDS)
    except http.PostFailed as failed:
        raise DeliveryError(str(failed)) from None
