"""WebSub: queueing "this feed changed" for the hubs, and pinging a hub (HTTP POST, form-encoded)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsfeed.dal import batch, clients
from newsfeed.dal.http import PostFailed, post

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

PING_TIMEOUT_SECONDS = 5


class HubError(Exception):
    """A hub refused or did not answer; the ping is retried later."""


@dataclass
class PingQueue:
    """The publisher's side: one message per changed feed. A failing hub never fails a publish."""

    queue_url: str
    client: SQSClient = field(default_factory=clients.sqs)

    def changed(self, urls: Sequence[str]) -> None:
        batch.send_all(self.client, self.queue_url, [{"topic": url} for url in urls])


def ping_hub(hub: str, topic: str) -> None:
    """Tell `hub` that `topic` has new content (hub.mode=publish); raises HubError unless it answers 2xx."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}).encode()
    try:
        post(hub, body, {"Content-Type": "application/x-www-form-urlencoded"}, PING_TIMEOUT_SECONDS)
    except PostFailed as failed:
        raise HubError(f"{failed} for {topic}") from None
