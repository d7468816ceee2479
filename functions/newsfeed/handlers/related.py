"""Content table stream -> here: keep related lists true (logic.related), beside the publisher.

A second consumer of the stream, so that feeds never wait for related lists: an article is related once it
is published (its list, the index, offers to older articles), taken out of every list once unpublished.
A change whose upkeep failed is reported, and Lambda retries the batch from there.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import article_images
from newsfeed.dal.related import RelatedIndexTable
from newsfeed.handlers import per_process
from newsfeed.logic.followups import Change, FollowUps
from newsfeed.logic.related import Relator
from newsfeed.observability import logger, tracer

get_settings()


@per_process
def upkeep() -> FollowUps:
    settings = get_settings()
    content = ContentTable(settings.content_table)
    return FollowUps(settings.site, relator=Relator(RelatedIndexTable(settings.content_table), content))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    changes = [Change(r["dynamodb"]["SequenceNumber"], *p) for r in records if (p := article_images(r))]
    unfinished = upkeep().run(changes)
    for change_id, error in upkeep().errors:
        logger.error("related lists failed", extra={"change": change_id, "error": repr(error)})
    for record in records:
        if record["dynamodb"]["SequenceNumber"] in unfinished:
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
