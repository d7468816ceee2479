"""Reading AWS errors once, here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

PRECONDITION_CODES = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})
NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
CONDITION_FAILED = "ConditionalCheckFailedException"


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def is_not_found(error: ClientError) -> bool:
    return error_code(error) in NOT_FOUND_CODES or http_status(error) == 404


def is_precondition_failed(error: ClientError) -> bool:
    return error_code(error) in PRECONDITION_CODES or http_status(error) in (409, 412)


def is_condition_failed(error: ClientError) -> bool:
    return error_code(error) == CONDITION_FAILED


@contextmanager
def unless_condition_fails() -> Iterator[None]:
    """A conditional write whose condition failing means it is not needed (someone got there first)."""
    try:
        yield
    except ClientError as error:
        if not is_condition_failed(error):
            raise
