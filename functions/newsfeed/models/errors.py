"""Domain errors: what the data layer reports instead of AWS error codes."""

from __future__ import annotations


class NewsfeedError(Exception):
    """Base of the errors below."""


class StaleChange(NewsfeedError):
    """An equal or newer change of the same upload has been applied already: this one must not be."""


class ConcurrentChange(NewsfeedError):
    """What was read changed before the write landed; read again and retry."""


class PreconditionFailed(NewsfeedError):
    """A conditional write of a public file lost a race: someone else wrote it first."""


class ServiceUnavailable(NewsfeedError):
    """A dependency throttled or failed after retries; the work will be retried."""
