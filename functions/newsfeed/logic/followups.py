"""What follows a batch of article changes, besides the feeds: related lists (an article published or
changed gets its list and joins others'; one that stopped being public leaves every list and the index),
and webhook events are queued.

Each change is followed up on its own; one whose follow-up failed is reported, and the stream delivers it
again. All are safe to repeat: relating an article again rewrites the same list and index entries, a
related list without the article is left alone, and a webhook event
carries the id of the change (its stream sequence number), the same on every repeat, for receivers to
drop duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from newsfeed.logic.related import RelatedLists, Relator, needs_relating, withdraw, withdrawn
from newsfeed.logic.webhooks import event_of, payload
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.errors import ConcurrentChange
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
    lists: RelatedLists
    site: Site
    events: EventQueue | None = None  # None: webhooks are off
    relator: Relator | None = None  # None: related lists are only kept clear of unpublished articles
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
        article_id = withdrawn(change.old, change.new)
        if article_id is not None:
            withdraw(self.lists, article_id)
            if self.relator is not None:
                self.relator.forget(article_id)
            if isinstance(change.old, Article):  # the notes of its own list go with it
                for card in change.old.related:
                    self.lists.forget_listed_by(card.id, article_id)
        elif self.relator and isinstance(change.new, Article) and needs_relating(change.old, change.new):
            with suppress(ConcurrentChange):  # it changed since: its newer version's record follows
                self.relator.relate(change.new)
        event = event_of(change.old, change.new) if self.events is not None else None
        if self.events is not None and event is not None:
            self.events.send([{"id": change.id, **payload(*event, self.site, self.clock())}])
