"""Bulk lane (FIFO queue) -> here: the pages and scopes the publisher handed over (`logic.site.lanes`),
merged over the batch's messages (each page once, each scope once however many batches of the publisher's
touched it), pages first so that no listing links to a page not yet there. Any failure fails the batch:
all of it is safe to do again, and the backlog counts it as done only once it is."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.bulk_lane import BacklogCounter, races_lost
from newsfeed.dal.queues import retry_later
from newsfeed.handlers import per_process
from newsfeed.handlers.publisher import bulk_lane, publisher
from newsfeed.logic.site.lanes import entered_slugs, entries, from_messages
from newsfeed.logic.site.regenerate import ScopeChange
from newsfeed.models import limits
from newsfeed.models.errors import ConcurrentChange
from newsfeed.models.scope import SITE
from newsfeed.observability import logger, tracer

get_settings()


@per_process
def backlog() -> BacklogCounter:
    return BacklogCounter(get_settings().content_table)


RETRY_SECONDS = 10  # a failed batch comes back this soon, not after the queue's visibility timeout


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    try:
        write(records)
    except Exception as error:
        # Live work that wrote the same scope meanwhile, attempt after attempt, is not a failure: the work
        # goes to the back of its group again instead of using up a receive towards the dead-letter queue
        # (where it was lost, and `newsfeed import` waited for it in vain).
        if isinstance(error, ConcurrentChange) and queued_again(records):
            return {"batchItemFailures": []}
        logger.exception("bulk work failed; retried soon", extra={"messages": len(records)})
        for record in records:
            retry_later(get_settings().bulk_queue_url, record["receiptHandle"], RETRY_SECONDS)
        raise
    return {"batchItemFailures": []}


def queued_again(records: list[dict[str, Any]]) -> bool:
    """Queue the work that lost to live work again, unless it has lost limits.BULK_RACES times already."""
    if max(map(races_lost, records), default=0) >= limits.BULK_RACES:
        return False
    try:
        bulk_lane().send_again(records)  # type: ignore[union-attr]  # this function is the bulk lane
    except Exception:
        logger.exception("bulk work not queued again", extra={"messages": len(records)})
        return False
    logger.warning("bulk work lost to live work; queued again", extra={"messages": len(records)})
    return True


def write(messages: list[dict[str, Any]]) -> None:
    """The messages' pages, then their scopes (the site first); then the backlog counted down."""
    work, done = from_messages(message["body"] for message in messages)
    publisher().regenerate_pages(work.pages)
    stored = publisher().source.records_at(entered_slugs(list(work.scopes.values())))
    for scope in sorted(work.scopes, key=lambda scope: (scope != SITE, scope)):
        scoped = work.scopes[scope]
        articles, stamps = entries(scoped, scope, stored)
        change = ScopeChange([a.card() for a in articles], list(scoped.left), stamps, dict(scoped.left))
        publisher().regenerate(scope, change)
    backlog().add(done, sign=-1)
    logger.info("bulk work written", extra={"pages": len(work.pages), "scopes": len(work.scopes)})
