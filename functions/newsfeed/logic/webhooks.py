"""Webhooks: which event a content change is, what is sent, and how it is signed.

Each configured endpoint gets one HMAC-signed JSON POST per event (`article.published`, `article.updated`,
`article.unpublished`). The publisher queues them after the feeds are written, so a slow or failing
endpoint never holds up a publish; the notifier delivers them and retries failures with growing delays.

Signature (as Stripe's): header `Newsfeed-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
keyed with the deployment's webhook secret. A receiver recomputes it and refuses old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any

from newsfeed.models.article import Article, ArticleRecord, Moved
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

SIGNATURE_HEADER = "Newsfeed-Signature"
EVENT_HEADER = "Newsfeed-Event"
DELIVERY_HEADER = "Newsfeed-Delivery"
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 900  # SQS's ceiling for a message's visibility is 12 h; a quarter hour is plenty


class WebhookEvent(StrEnum):
    PUBLISHED = "article.published"
    UPDATED = "article.updated"
    UNPUBLISHED = "article.unpublished"


def event_of(old: ArticleRecord | None, new: ArticleRecord | None) -> tuple[WebhookEvent, Article] | None:
    """What a change of one article record means to a webhook receiver, if anything.

    A slug change writes two records: the new slug's (reported as an update, with the new slug) and the
    old slug's redirect (not reported).
    """
    was_public = isinstance(old, Article) and old.is_public
    if isinstance(new, Article) and new.is_public:
        if was_public and isinstance(old, Article) and old.id == new.id:
            return WebhookEvent.UPDATED, new
        if old is None and new.revision > 1:
            return WebhookEvent.UPDATED, new  # arrived at a new slug
        return WebhookEvent.PUBLISHED, new
    if was_public and isinstance(old, Article) and not isinstance(new, Moved):
        return WebhookEvent.UNPUBLISHED, old
    return None


def payload(event: WebhookEvent, article: Article, site: Site, occurred_at: datetime) -> dict[str, Any]:
    return {
        "type": str(event),
        "occurred_at": format_utc(occurred_at),
        "article": {
            "id": article.id,
            "slug": article.slug,
            "url": site.article_url(article.slug),
            **({"canonical_url": article.canonical_url} if article.canonical_url else {}),
            "title": article.title,
            "section": article.section,
            "revision": article.revision,
            "published_at": format_utc(article.published_at),
            "updated_at": format_utc(article.updated_at),
        },
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """A receiver's check (and the tests'): the signature matches and is at most `tolerance` s old."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def retry_delay(attempt: int) -> int:
    """Seconds before delivery attempt `attempt + 1`, after `attempt` failures: 60, 120, 240, ... 900."""
    return int(min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempt - 1)))


def change_event(
    change_id: str, old: ArticleRecord | None, new: ArticleRecord | None, site: Site, occurred_at: datetime
) -> dict[str, Any] | None:
    """The webhook event of one article record's change, if it means anything to a receiver. Its `id` is the
    change's (the stream record's sequence number): the same on every repeat, for receivers to drop."""
    event = event_of(old, new)
    return {"id": change_id, **payload(*event, site, occurred_at)} if event is not None else None
