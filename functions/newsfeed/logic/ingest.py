"""What one upload change does to stored content. Pure decisions; storage comes in through ports.

Built for at-least-once, out-of-order delivery: every change carries an order (S3's sequencer); a change
older than, or equal to, the last one applied for its key is skipped, and so is one whose object has
changed or vanished since the event (its successor's event will bring the newer state).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from newsfeed.logic.articles import article_scopes, build_article, content_change, fingerprint, pick_related
from newsfeed.logic.parsing import ParsedUpload, parse_upload
from newsfeed.logic.ports import ContentStore, UploadFiles
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, Gone
from newsfeed.models.errors import ConcurrentChange, SlugTaken, StaleChange
from newsfeed.models.scope import ScopeKind
from newsfeed.models.upload import (
    ChangeKind,
    Problem,
    RejectionReport,
    UploadChange,
    UploadRecord,
    UploadRejected,
)

MAX_ATTEMPTS = 3


class Outcome(StrEnum):
    PUBLISHED = "published"  # new, or changed, and public
    SAVED = "saved"  # stored as a draft
    UNCHANGED = "unchanged"  # same content as stored: nothing but bookkeeping
    UNPUBLISHED = "unpublished"
    REJECTED = "rejected"
    STALE = "stale"  # superseded by a newer change of the same upload


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    key: str
    slug: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Ingest:
    files: UploadFiles
    store: ContentStore
    default_language: str
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def apply(self, change: UploadChange) -> IngestResult:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                if change.kind is ChangeKind.DELETE:
                    return self._delete(change)
                return self._put(change)
            except StaleChange:
                return IngestResult(Outcome.STALE, change.key)
            except ConcurrentChange:
                if attempt == MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _reject(self, change: UploadChange, problems: list[Problem]) -> IngestResult:
        report = RejectionReport(
            key=change.key, etag=change.etag, rejected_at=change.event_time, problems=problems
        )
        self.files.write_rejection(report)
        return IngestResult(Outcome.REJECTED, change.key, problems=problems)

    def _put(self, change: UploadChange) -> IngestResult:
        if change.size is not None and change.size > limits.MAX_UPLOAD_BYTES:
            return self._reject(
                change,
                [
                    Problem(
                        field="file",
                        message=f"is {change.size} bytes; the limit is {limits.MAX_UPLOAD_BYTES} bytes",
                    )
                ],
            )
        upload = self.store.upload_record(change.key)
        if upload is not None and upload.order >= change.order:
            raise StaleChange
        data = self.files.read(change)
        if data is None:
            raise StaleChange
        try:
            parsed = parse_upload(change.key, data)
        except UploadRejected as rejected:
            return self._reject(change, rejected.problems)
        try:
            result = self._store(change, parsed, upload)
        except SlugTaken as taken:
            return self._reject(
                change,
                [
                    Problem(
                        field="slug",
                        message=f"'{taken.slug}' is already used by another article ({taken.source_key}); "
                        "choose another slug",
                    )
                ],
            )
        self.files.clear_rejection(change.key)
        return result

    def _store(self, change: UploadChange, parsed: ParsedUpload, upload: UploadRecord | None) -> IngestResult:
        article_id = upload.article_id if upload else self.new_id()
        at_slug = self.store.article_record(parsed.slug)
        if isinstance(at_slug, Article) and at_slug.id != article_id:
            raise SlugTaken(parsed.slug, at_slug.source_key)
        previous = at_slug if isinstance(at_slug, Article) else None
        moved_from = None
        if upload is not None and upload.slug != parsed.slug:
            old = self.store.article_record(upload.slug)
            moved_from = old if isinstance(old, Article) and old.id == article_id else None

        record = UploadRecord(
            key=change.key, article_id=article_id, slug=parsed.slug, order=change.order, etag=change.etag
        )
        if previous is not None and moved_from is None and previous.content_hash == fingerprint(parsed):
            self.store.save(content_change(record))
            return IngestResult(Outcome.UNCHANGED, change.key, parsed.slug)

        article = build_article(
            parsed,
            article_id=article_id,
            source_key=change.key,
            now=change.event_time,
            default_language=self.default_language,
            previous=previous or moved_from,
            related=[],
            last_revision=at_slug.revision if isinstance(at_slug, Gone) and at_slug.id == article_id else 0,
        )
        if article.is_public:
            neighbours = [s for s in article_scopes(article) if s.kind in (ScopeKind.SECTION, ScopeKind.TAG)]
            candidates = self.store.newest_cards(neighbours, limits.RELATED_COUNT + 1)
            related = pick_related(article_id, candidates, limits.RELATED_COUNT)
            article = article.model_copy(update={"related": related})
        self.store.save(content_change(record, article, replaces=at_slug, moved_from=moved_from))
        outcome = Outcome.PUBLISHED if article.is_public else Outcome.SAVED
        return IngestResult(outcome, change.key, article.slug)

    def _delete(self, change: UploadChange) -> IngestResult:
        upload = self.store.upload_record(change.key)
        if upload is None:
            self.files.clear_rejection(change.key)
            return IngestResult(Outcome.UNCHANGED, change.key)
        if upload.order >= change.order or self.files.exists(change.key):
            raise StaleChange
        current: ArticleRecord | None = self.store.article_record(upload.slug)
        gone = None
        if isinstance(current, Article) and current.id == upload.article_id:
            gone = Gone(
                id=current.id,
                slug=current.slug,
                unpublished_at=change.event_time,
                source_key=change.key,
                revision=current.revision,
            )
        record = upload.model_copy(update={"order": change.order, "etag": None, "deleted": True})
        self.store.save(content_change(record, gone, replaces=current if gone else None))
        self.files.clear_rejection(change.key)
        return IngestResult(Outcome.UNPUBLISHED, change.key, upload.slug)
