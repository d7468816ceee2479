"""Content table stream -> here: keep related lists true (logic.related), beside the publisher.

A second consumer of the stream, so that feeds never wait for related lists: an article is related once it
is published (its list, the index, offers to older articles), taken out of every list once unpublished.
The records at the head of a batch that only relate articles (an import's, a burst's) are related together
first (`logic.related_batch`: shared reads, each list written once). The rest, and all of them if that
failed, are followed up one by one under Powertools' BatchProcessor; one that failed is reported, and
Lambda retries from there. All of it is safe to repeat: relating an article again rewrites the same list
and index entries, and a related list without the article is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import article_images
from newsfeed.dal.related import RelatedIndexTable
from newsfeed.handlers import per_process
from newsfeed.logic.related import Relator
from newsfeed.logic.related_batch import leading_run, relate_together
from newsfeed.observability import logger, tracer

get_settings()


@per_process
def relator() -> Relator:
    table = get_settings().content_table
    return Relator(RelatedIndexTable(table), ContentTable(table))


def relate_leading_run(records: Sequence[dict[str, Any]]) -> set[str]:
    """Relate the leading records that only relate articles together; their sequence numbers (none if there
    is nothing to share, or if that failed: each is then followed up on its own)."""
    taken, articles = leading_run([article_images(record) for record in records])
    if len(articles) < 2:
        return set()
    try:
        relate_together(relator().index, relator().lists, articles)
    except Exception:
        logger.exception("relating together failed; one by one instead", extra={"articles": len(articles)})
        return set()
    logger.info("related together", extra={"articles": len(articles)})
    return {record["dynamodb"]["SequenceNumber"] for record in records[:taken]}


def follow(record: DynamoDBRecord, done: frozenset[str] = frozenset()) -> None:
    if record.dynamodb is not None and record.dynamodb.sequence_number in done:
        return
    change = article_images(record.raw_event)
    if change is None:
        return
    try:
        relator().follow(*change)
    except Exception:
        logger.exception(
            "related lists failed", extra={"change": record.dynamodb and record.dynamodb.sequence_number}
        )
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    done = frozenset(relate_leading_run(event["Records"]))
    return process_partial_response(
        event=event,
        record_handler=partial(follow, done=done),
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False),
        context=context,
    )
