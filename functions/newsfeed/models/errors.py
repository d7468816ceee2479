"""Domain errors: what the data layer reports instead of AWS error codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from newsfeed.models import limits

T = TypeVar("T")


class NewsfeedError(Exception):
    """Base of the errors below."""


class StaleChange(NewsfeedError):
    """An equal or newer change of the same upload has been applied already: this one must not be."""


class ConcurrentChange(NewsfeedError):
    """What was read changed before the write landed; read again and retry."""


class PreconditionFailed(ConcurrentChange):
    """A conditional write of a public file lost a race: someone else wrote it first."""


class ServiceUnavailable(NewsfeedError):
    """A dependency throttled or failed after retries; the work will be retried."""


def retry_on_conflict(attempt: Callable[[], T]) -> T:
    """Run `attempt`, which reads what it needs afresh each time, until it lands without a ConcurrentChange,
    CONFLICT_ATTEMPTS times at most. Then the last conflict is raised: the caller's own retry (SQS, the
    stream, the next run of the scheduler) takes the work up later, when the contention has passed."""
    for remaining in reversed(range(limits.CONFLICT_ATTEMPTS)):
        try:
            return attempt()
        except ConcurrentChange:
            if not remaining:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class PhotoPending(Exception):
    """An article names a photo sent with it that the image function has not dealt with yet: try again."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
