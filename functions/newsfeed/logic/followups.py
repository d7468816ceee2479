"""What follows a batch of article changes besides the feeds: related lists (`relator`: an article
published or changed gets its list and joins others'; one that stopped being public leaves every list and
the index) and webhook events (`events`). The publisher queues webhook events; the related-lists function
(the stream's second consumer, so that feeds never wait for related lists) keeps the lists.

Each change is followed up on its own; one whose follow-up failed is reported, and the stream delivers it
again. All are safe to repeat: relating an article again rewrites the same list and index entries, a
related list without the article is left alone, and a webhook event carries the id of the change (its
stream sequence number), the same on every repeat, for receivers to drop duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from newsfeed.logic.related import Relator
from newsfeed.logic.webhooks import event_of, payload
from newsfeed.models.article import ArticleRecord
from newsfeed.models.site import Site


class EventQueue(Protocol):
    def send(self, events: Sequence[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class Change:
    """One article record's change, as the stream reports it."""

    id: str  # the stream record's sequence number
    old: ArticleRecord | None
    new: ArticleRecord | None


@dataclass
class FollowUps:
    site: Site
    events: EventQueue | None = None  # None: no webhooks
    relator: Relator | None = None  # None: no related lists
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    errors: list[tuple[str, Exception]] = field(default_factory=list)  # (change id, what failed), last run

    def run(self, changes: Sequence[Change]) -> set[str]:
        """Follow up each change; the ids of those that failed (see `errors`)."""
        self.errors = []
        failed = set()
        for change in changes:
            try:
                self._follow(change)
            except Exception as error:
                self.errors.append((change.id, error))
                failed.add(change.id)
        return failed

    def _follow(self, change: Change) -> None:
        if self.relator is not None:
            self.relator.follow(change.old, change.new)
        event = event_of(change.old, change.new) if self.events is not None else None
        if self.events is not None and event is not None:
            self.events.send([{"id": change.id, **payload(*event, self.site, self.clock())}])
