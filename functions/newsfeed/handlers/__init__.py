"""Lambda entry points: parse the event, call one operation, shape the response.

Each handler builds its services once per process (`per_process`): at cold start in Lambda, and again after
`reset()` in tests and benchmarks, which switch between emulated and real AWS endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

T = TypeVar("T")
_FACTORIES: list[Callable[[], object]] = []


def per_process(factory: Callable[[], T]) -> Callable[[], T]:
    cached = cache(factory)
    _FACTORIES.append(cached)
    return cached


def reset() -> None:
    """Forget settings, AWS clients and every handler's services; the next call builds them afresh."""
    from newsfeed.config import get_settings
    from newsfeed.dal import clients

    get_settings.cache_clear()
    clients.reset()
    for factory in _FACTORIES:
        factory.cache_clear()  # type: ignore[attr-defined]


def handed_to_bulk_lane(record: Mapping[str, Any]) -> bool:
    """Whether the publisher hands this stream record's change to the bulk lane (there is one, and the change
    is bulk work: `dal.items.is_bulk`). Its search entry is then the related-lists function's to write; every
    other change's, the publisher's."""
    from newsfeed.config import get_settings
    from newsfeed.dal.items import is_bulk

    return bool(get_settings().bulk_queue_url) and is_bulk(record)


@per_process
def actor_private_key() -> str:
    """Our actors' signing key (the fediverse function's and the delivery function's): made on first use."""
    from newsfeed.config import get_settings
    from newsfeed.dal.federation import ActorKeyStore
    from newsfeed.logic.federation.signatures import new_key_pem

    return ActorKeyStore(get_settings().actor_key_arn).private_key(new_key_pem)


def each_message(
    handle: Callable[[SQSRecord], None], event: dict[str, Any], context: Any
) -> PartialItemFailureResponse:
    """Handle each message of an SQS batch on its own: the ones that raised are reported, and only they are
    received again (Powertools' BatchProcessor, with `ReportBatchItemFailures` in the template)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return process_partial_response(
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
