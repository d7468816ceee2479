"""Publishing scheduled articles when they are due.

An upload whose `published_at` is in the future is stored with status `scheduled` and an entry in the
schedule (`list#schedule`, sorted by due time), in the same transaction. The scheduler publishes a due
article by replacing its record with the published one, exactly as an upload does: the same transaction
writes its list entries and removes the schedule entry, and the content stream then brings the feeds,
archive pages, sitemap, related lists, hub pings and webhooks, as for any publish.

On AWS it runs once a minute (an EventBridge schedule) and looks ahead: articles due before its next run
are published at their second, after a sleep. The clock and the sleep are parameters, so tests drive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from newsfeed.logic.articles import content_change
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleCard, ArticleRecord
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.content import ContentChange
from newsfeed.models.errors import ConcurrentChange, retry_on_conflict


class ScheduledArticles(Protocol):
    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def save(self, change: ContentChange) -> None: ...


class Schedule(Protocol):
    def due_cards(self, until: datetime, limit: int) -> list[ArticleCard]:
        """Cards of scheduled articles due at or before `until`, oldest first."""


class ScheduleStore(Protocol):
    """The content table as the scheduler uses it: the schedule, and the articles it publishes."""

    @property
    def articles(self) -> ScheduledArticles: ...

    @property
    def lists(self) -> Schedule: ...


@dataclass
class Scheduler:
    store: ScheduleStore
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep

    def run(self, look_ahead: timedelta = timedelta(0)) -> list[str]:
        """Publish every article due now or within `look_ahead` (waiting for its time); their slugs."""
        published = []
        for card in self.store.lists.due_cards(self.clock() + look_ahead, limits.SCHEDULED_PER_RUN):
            wait = (card.published_at - self.clock()).total_seconds()
            if wait > 0:
                self.sleep(wait)
            if self.publish(card):
                published.append(card.slug)
        return published

    def publish(self, card: ArticleCard) -> bool:
        """Publish the scheduled article `card` stands for, if it still is scheduled and due."""

        def attempt() -> bool:
            record = self.store.articles.article_record(card.slug)
            if not (
                isinstance(record, Article)
                and record.id == card.id
                and record.status is ArticleStatus.SCHEDULED
                and record.published_at <= self.clock()
            ):
                return False  # changed since it was listed: the change that did so also moved its entry
            article = record.model_copy(update={"status": ArticleStatus.PUBLISHED})
            self.store.articles.save(content_change(None, article, replaces=record))
            return True

        try:
            return retry_on_conflict(attempt)  # an upload changing it meanwhile: look again
        except ConcurrentChange:
            return False  # still changing: the next run publishes it
