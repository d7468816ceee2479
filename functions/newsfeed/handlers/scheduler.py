"""Every minute (EventBridge schedule) -> here: publish the scheduled articles due before the next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.content import ContentTable
from newsfeed.handlers import per_process
from newsfeed.logic.schedule import Scheduler
from newsfeed.observability import logger, metrics, tracer

get_settings()


@per_process
def scheduler() -> Scheduler:
    return Scheduler(ContentTable(get_settings().content_table))


def look_ahead() -> timedelta:
    """How far ahead a run publishes (sleeping until each article's time): up to the next run on AWS."""
    return timedelta(seconds=get_settings().schedule_look_ahead_seconds)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    published = scheduler().run(look_ahead())
    for slug in published:
        logger.info("scheduled article published", extra={"slug": slug})
    if published:
        metrics.add_metric(name="ScheduledPublished", unit=MetricUnit.Count, value=len(published))
    return {"published": published}
