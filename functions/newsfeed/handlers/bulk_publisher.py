"""Bulk lane (FIFO queue) -> here: the pages and scopes the publisher handed over (`logic.site.lanes`),
merged over the batch's messages (each page once, each scope once however many batches of the publisher's
touched it), pages first so that no listing links to a page not yet there. Any failure fails the batch:
all of it is safe to do again, and the backlog counts it as done only once it is."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.bulk_lane import BacklogCounter
from newsfeed.dal.queues import retry_later
from newsfeed.handlers import per_process
from newsfeed.handlers.publisher import publisher
from newsfeed.logic.site.lanes import entered_slugs, entries, from_messages
from newsfeed.logic.site.regenerate import ScopeChange
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
    except Exception:
        logger.exception("bulk work failed; retried soon", extra={"messages": len(records)})
        for record in records:
            retry_later(get_settings().bulk_queue_url, record["receiptHandle"], RETRY_SECONDS)
        raise
    return {"batchItemFailures": []}


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
