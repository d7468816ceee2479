"""Content table stream -> here: keep the search index and related lists true (logic.search, logic.related),
beside the publisher.

An import's changes in each batch are indexed for search first, all of them together
(`logic.search.indexing`), before their related lists are worked out; the publisher indexes live ones.

A second consumer of the stream, so that feeds never wait for related lists: an article is related once it
is published (its list, the index, offers to older articles), taken out of every list once unpublished.
Runs of records that only relate articles (an import's, a burst's) are related together
(`logic.related.batch`: shared reads, each list written once), the records between them (a takedown, an
opt-out) one by one, all in stream order under Powertools' BatchProcessor. A run that failed together is
followed one by one; a record that failed is reported, and Lambda retries from there. All of it is safe to
repeat: relating an article again rewrites the same list and index entries, and a related list without the
article is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from newsfeed.dal.search_index import SearchIndexTable
from newsfeed.handlers import handed_to_bulk_lane, per_process
from newsfeed.logic.related.batch import relate_together, runs
from newsfeed.logic.related.relator import Relator
from newsfeed.logic.search.indexing import Change, follow_changes
from newsfeed.models.article import Article
from newsfeed.observability import logger, tracer

get_settings()


@per_process
def index() -> RelatedIndexTable:
    return RelatedIndexTable(get_settings().content_table)


@per_process
def search_index() -> SearchIndexTable:
    return SearchIndexTable(get_settings().content_table)


@per_process
def content() -> ContentTable:
    return ContentTable(get_settings().content_table)


@per_process
def relator() -> Relator:
    return Relator(index(), content().related_lists)


@dataclass(frozen=True)
class Together:
    """A run of records related together (`logic.related.batch.runs`), done at its first record."""

    changes: Sequence[ArticleChange | None]
    articles: Sequence[Article]


Step = ArticleChange | Together | None  # a record's work: its change, its run, or none (done in its run)


def relate_run(run: Together) -> None:
    """Relate a run together; if that failed, each of its records on its own."""
    try:
        relate_together(relator().index, relator().lists, run.articles)
    except Exception:
        articles = len(run.articles)
        logger.exception("relating together failed; one by one instead", extra={"articles": articles})
        for change in run.changes:
            if change is not None:
                relator().follow(*change)
        return
    logger.info("related together", extra={"articles": len(run.articles)})


def follow(record: DynamoDBRecord, steps: Mapping[str, Step]) -> None:
    """One record's step, as planned for the batch (by sequence number)."""
    number = record.dynamodb.sequence_number if record.dynamodb is not None else None
    step = steps.get(number) if number is not None else article_images(record.raw_event)
    try:
        if isinstance(step, Together):
            relate_run(step)
        elif step is not None:
            relator().follow(*step)
    except Exception:
        logger.exception("related lists failed", extra={"change": number})
        raise


def plan(records: Sequence[dict[str, Any]], changes: Sequence[Change]) -> dict[str, Step]:
    """Each record's step, in stream order: runs of records that only relate articles are related together at
    their first record, everything else on its own in between."""
    numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
    steps: dict[str, Step] = dict(zip(numbers, changes, strict=True))
    for start, end, articles in runs(changes):
        steps.update(dict.fromkeys(numbers[start + 1 : end]))
        steps[numbers[start]] = Together(changes[start:end], articles)
    return steps


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    changes = [article_images(record) for record in event["Records"]]  # each stream record parsed once
    imported = [c for r, c in zip(event["Records"], changes, strict=True) if handed_to_bulk_lane(r)]
    if indexed := follow_changes(search_index(), content().articles, imported):
        logger.info("indexed for search", extra={"articles": indexed})
    response = process_partial_response(
        event=event,
        record_handler=partial(follow, steps=plan(event["Records"], changes)),
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False),
        context=context,
    )
    times = [r.get("dynamodb", {}).get("ApproximateCreationDateTime") for r in event["Records"]]
    if not response["batchItemFailures"] and (known := [float(t) for t in times if t is not None]):
        index().handled(max(known))  # how `newsfeed import` tells its articles related while others come
    return response
