"""The interfaces the domain logic needs from storage; the data-access layer implements them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsfeed.models.article import ArticleCard, ArticleRecord
from newsfeed.models.content import ContentChange
from newsfeed.models.scope import Scope
from newsfeed.models.upload import RejectionReport, UploadChange, UploadRecord


class UploadFiles(Protocol):
    """The uploads bucket as the ingest sees it."""

    def read(self, change: UploadChange) -> bytes | None:
        """The object's bytes while it is the version `change` describes; None if it changed or vanished."""

    def exists(self, key: str) -> bool: ...

    def write_rejection(self, report: RejectionReport) -> None: ...

    def clear_rejection(self, key: str) -> None: ...


class ContentStore(Protocol):
    """The content table as the ingest sees it."""

    def upload_record(self, key: str) -> UploadRecord | None: ...

    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        """Up to `limit` newest cards of each scope's list (one bounded Query per scope)."""

    def save(self, change: ContentChange) -> None:
        """Apply atomically. Raises StaleChange, ConcurrentChange or SlugTaken."""
