"""boto3 clients, created once per process on first use and shared by every store.

Endpoints come from boto3's own configuration (AWS_ENDPOINT_URL points them at the local stack).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

POOL_CONNECTIONS = 64  # connections each client keeps open (the command's too: it sends bundles side by side)
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},  # throttling and 5xx back off and retry
    connect_timeout=3,
    read_timeout=10,
    tcp_keepalive=True,
    # One invocation keeps up to dal.batch.IN_FLIGHT requests open; the local stack runs every function's
    # pollers in one process on these clients, so a larger pool (idle connections cost nothing on Lambda).
    max_pool_connections=POOL_CONNECTIONS,
)


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def on_request(hook: Callable[..., object]) -> None:
    """Call `hook` before each request of every client, also of those made before (the local stack's
    live-first rule); what it returns, if not None, is the response."""
    handler = cast("Callable[..., None]", hook)  # the stubs say None; a before-send hook may answer instead
    _session().events.register("before-send", handler)
    for factory in (dynamodb, s3, sqs):
        if factory.cache_info().currsize:
            factory().meta.events.register("before-send", handler)


def _client(service: str) -> Any:
    return _session().client(service, config=_CONFIG)  # type: ignore[call-overload]


@cache
def dynamodb() -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb")
    return client


@cache
def s3() -> S3Client:
    client: S3Client = _client("s3")
    return client


@cache
def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


def reset() -> None:
    """Forget the clients (tests switch between mocked and real endpoints)."""
    for factory in (_session, dynamodb, s3, sqs):
        factory.cache_clear()
