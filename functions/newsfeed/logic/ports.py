"""The interfaces the domain logic needs from storage; the data-access layer implements them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsfeed.models.article import ArticleRecord
from newsfeed.models.content import ContentChange
from newsfeed.models.upload import ImportResult, RejectionReport, UploadChange, UploadRecord


class UploadFiles(Protocol):
    """The uploads bucket as the ingest sees it."""

    def read(self, change: UploadChange, limit: int = ...) -> bytes | None:
        """The object's first `limit` + 1 bytes while it is the version `change` describes; None if it
        changed or vanished."""

    def exists(self, key: str) -> bool: ...

    def write_rejection(self, report: RejectionReport) -> None: ...

    def clear_rejection(self, key: str) -> None: ...

    def clear_rejections(self, keys: Sequence[str]) -> None: ...

    def write_import_result(self, result: ImportResult) -> None: ...


class ContentStore(Protocol):
    """The content table as the ingest sees it."""

    def upload_record(self, key: str) -> UploadRecord | None: ...

    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def save(self, change: ContentChange) -> None:
        """Apply atomically. Raises StaleChange or ConcurrentChange."""


class BulkContentStore(ContentStore, Protocol):
    """The content table as an import bundle uses it: reads and writes in batches."""

    def upload_records(self, keys: Sequence[str]) -> dict[str, UploadRecord]: ...

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]: ...

    def save_all(self, changes: Sequence[ContentChange]) -> list[int]:
        """Apply in as few transactions as fit (each all or nothing); the indexes of changes not applied."""
