"""Photo queue -> here: each photo an editor sent (the ingest forwards them) becomes renditions in the public
bucket and a photo record, or a rejection report next to the upload. Pillow is imported by this function
alone (its own layer)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsfeed.config import get_settings
from newsfeed.dal.photos import PhotoStore
from newsfeed.dal.public import PublicBucket
from newsfeed.dal.uploads import UploadBucket
from newsfeed.handlers import each_message, per_process
from newsfeed.logic.photos.intake import PhotoIntake
from newsfeed.models.photo import CropRequest
from newsfeed.models.upload import UploadChange
from newsfeed.observability import logger, tracer

get_settings()  # a misconfigured function fails at cold start, naming the variable


@per_process
def intake() -> PhotoIntake:
    settings = get_settings()
    return PhotoIntake(
        uploads=UploadBucket(settings.uploads_bucket),
        public=PublicBucket(settings.public_bucket),
        photos=PhotoStore(settings.content_table),
    )


def handle_message(record: SQSRecord) -> None:
    """A photo upload's change, or an article's request for crops around its focal point."""
    message = json.loads(record.body)
    if "crop" in message:
        request = CropRequest.model_validate(message)
        result, key = intake().crop(request), request.crop
    else:
        change = UploadChange.model_validate(message)
        result, key = intake().apply(change), change.key
    problems = [str(problem) for problem in result.problems]
    log = logger.warning if problems else logger.info
    log(f"photo {result.outcome}", extra={"key": key, "problems": problems})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return each_message(handle_message, event, context)
