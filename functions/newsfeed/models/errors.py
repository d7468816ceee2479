"""Domain errors: what the data layer reports instead of AWS error codes."""

from __future__ import annotations


class NewsfeedError(Exception):
    """Base of the errors below."""


class StaleChange(NewsfeedError):
    """An equal or newer change of the same upload has been applied already: this one must not be."""


class ConcurrentChange(NewsfeedError):
    """What was read changed before the write landed; read again and retry."""


class SlugTaken(NewsfeedError):
    def __init__(self, slug: str, source_key: str) -> None:
        super().__init__(f"slug {slug!r} is taken by {source_key or 'another article'}")
        self.slug = slug
        self.source_key = source_key


class PreconditionFailed(NewsfeedError):
    """A conditional write of a public file lost a race: someone else wrote it first."""


class ServiceUnavailable(NewsfeedError):
    """A dependency throttled or failed after retries; the work will be retried."""
