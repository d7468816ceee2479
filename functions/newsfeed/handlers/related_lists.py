"""Content table stream -> here: keep related lists true (logic.related), beside the publisher.

A second consumer of the stream, so that feeds never wait for related lists: an article is related once it
is published (its list, the index, offers to older articles), taken out of every list once unpublished.
The records at the head of a batch that only relate articles (an import's, a burst's) are related together
first (`logic.related.batch`: shared reads, each list written once). The rest, and all of them if that
failed, are followed up one by one under Powertools' BatchProcessor; one that failed is reported, and
Lambda retries from there. All of it is safe to repeat: relating an article again rewrites the same list
and index entries, and a related list without the article is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.dal.items import ArticleChange, article_images
from newsfeed.dal.related_index import RelatedIndexTable
from newsfeed.handlers import per_process
from newsfeed.logic.related.batch import leading_run, relate_together
from newsfeed.logic.related.relator import Relator
from newsfeed.observability import logger, tracer

get_settings()


@per_process
def relator() -> Relator:
    table = get_settings().content_table
    return Relator(RelatedIndexTable(table), ContentTable(table).related_lists)


def relate_leading_run(records: Sequence[dict[str, Any]], changes: Sequence[ArticleChange | None]) -> int:
    """Relate the leading records that only relate articles together; how many records that took (none if
    there is nothing to share, or if that failed: each is then followed up on its own)."""
    taken, articles = leading_run(changes)
    if len(articles) < 2:
        return 0
    try:
        relate_together(relator().index, relator().lists, articles)
    except Exception:
        logger.exception("relating together failed; one by one instead", extra={"articles": len(articles)})
        return 0
    logger.info("related together", extra={"articles": len(articles)})
    return taken


def follow(record: DynamoDBRecord, pending: Mapping[str, ArticleChange | None]) -> None:
    """One record's change, as parsed for the batch (`pending`: by sequence number, those still to do)."""
    number = record.dynamodb.sequence_number if record.dynamodb is not None else None
    change = pending.get(number) if number is not None else article_images(record.raw_event)
    if change is None:
        return
    try:
        relator().follow(*change)
    except Exception:
        logger.exception("related lists failed", extra={"change": number})
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event["Records"]
    changes = [article_images(record) for record in records]  # each stream record parsed once
    taken = relate_leading_run(records, changes)
    pending = {
        r["dynamodb"]["SequenceNumber"]: c for r, c in zip(records[taken:], changes[taken:], strict=True)
    }
    return process_partial_response(
        event=event,
        record_handler=partial(follow, pending=pending),
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False),
        context=context,
    )
