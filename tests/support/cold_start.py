"""The API function as Lambda starts it cold: its sample event and its environment from the template."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
from infra.resources import create_resources

from tests.support import ROOT
from tests.support.moto import PROCESS_ENV

EVENT = ROOT / "events" / "lambda" / "api-get-article.json"


EVENT_SLUG = "kazakh-leader-offers-explanation-for-crisis"


def endpoint_event(path: str, folder: Path) -> Path:
    """The sample API Gateway event, asking for `path` instead."""
    event = json.loads(EVENT.read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    written = folder / f"event{path.replace('/', '-')}.json"
    written.write_text(json.dumps(event))
    return written


def function_environment(endpoint: str, package: Path) -> dict[str, str]:
    """The API function's environment, from the template, with the article it will be asked for stored."""
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        session = boto3.session.Session(
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
        )
        resources = create_resources(session)
        from newsfeed.dal.items import record_item
        from tests.support.factories import archived_article

        article = archived_article(0).model_copy(update={"slug": EVENT_SLUG})
        session.client("dynamodb").put_item(
            TableName=resources.outputs["ContentTableName"], Item=record_item(article)
        )
    finally:
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PROCESS_ENV, AWS_ENDPOINT_URL=endpoint, PYTHONPATH=str(package))
    env.update(resources.functions["ApiFunction"].environment)
    return env
