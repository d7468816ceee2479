"""What one upload change does to stored content. Pure decisions; storage comes in through ports.

Built for at-least-once, out-of-order delivery: every change carries an order (S3's sequencer); a change
older than, or equal to, the last one applied for its key is skipped, and so is one whose object has
changed or vanished since the event (its successor's event will bring the newer state).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from newsfeed.logic.article_photos import SentPhotos, body_photo_refs, photo_upload_key
from newsfeed.logic.articles import build_article, content_change, fingerprint
from newsfeed.logic.identity import another_story, same_story
from newsfeed.logic.parsing import ParsedUpload, parse_upload
from newsfeed.logic.ports import ContentStore, PhotoLookup, UploadFiles
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, Unpublished
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.errors import ConcurrentChange, PhotoPending, StaleChange, retry_on_conflict
from newsfeed.models.fields import is_photo_ref
from newsfeed.models.photo import Photo
from newsfeed.models.upload import (
    ChangeKind,
    Problem,
    RejectionReport,
    UploadChange,
    UploadRecord,
    UploadRejected,
)


class Outcome(StrEnum):
    PUBLISHED = "published"  # new, or changed, and public
    SCHEDULED = "scheduled"  # stored, to be published at its publication time
    SAVED = "saved"  # stored as a draft
    UNCHANGED = "unchanged"  # same content as stored: nothing but bookkeeping
    UNPUBLISHED = "unpublished"
    REJECTED = "rejected"
    STALE = "stale"  # superseded by a newer change of the same upload
    IMPORTED = "imported"  # an import bundle: each of its files has its own outcome


OUTCOMES = {
    ArticleStatus.PUBLISHED: Outcome.PUBLISHED,
    ArticleStatus.SCHEDULED: Outcome.SCHEDULED,
    ArticleStatus.DRAFT: Outcome.SAVED,
}


NO_PHOTOS_HERE = "a photo sent with the article is not accepted here: give the image's URL"


def too_big(size: int, limit: int) -> Problem:
    return Problem(field="file", message=f"is {size} bytes; the limit is {limit} bytes")


def slug_taken(slug: str, owner: str) -> Problem:
    return Problem(
        field="slug", message=f"'{slug}' is already used by another article ({owner}); choose another slug"
    )


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    key: str
    slug: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # errors of ours behind refusals, for the log

    @classmethod
    def refused(cls, key: str, rejected: UploadRejected) -> IngestResult:
        unexpected = [repr(rejected.unexpected)] if rejected.unexpected else []
        return cls(Outcome.REJECTED, key, problems=rejected.problems, unexpected=unexpected)


@dataclass
class Ingest:
    files: UploadFiles
    store: ContentStore
    default_language: str
    photos: PhotoLookup | None = None  # None: photos sent with articles are not accepted (the write API's)
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def apply(self, change: UploadChange, *, may_wait: bool = False) -> IngestResult:
        """Apply the change of one upload (an import bundle is `logic.bulk`'s to apply). `may_wait`: an
        article whose photo has not been dealt with yet raises PhotoPending (to be tried again later)
        rather than being refused."""
        if change.kind is ChangeKind.DELETE:
            return self.retrying(change, lambda: self.delete(change))
        return self.retrying(change, lambda: self.put(change, may_wait=may_wait))

    def retrying(self, change: UploadChange, step: Callable[[], IngestResult]) -> IngestResult:
        """Run `step` (fresh reads each time) until it lands; a stale change is reported as such."""
        try:
            return retry_on_conflict(step)
        except StaleChange:
            return IngestResult(Outcome.STALE, change.key)

    def report(self, change: UploadChange, problems: list[Problem]) -> RejectionReport:
        return RejectionReport(
            key=change.key, etag=change.etag, rejected_at=change.event_time, problems=problems
        )

    def _reject(self, change: UploadChange, rejected: UploadRejected) -> IngestResult:
        self.files.write_rejection(self.report(change, rejected.problems))
        return IngestResult.refused(change.key, rejected)

    def put(self, change: UploadChange, data: bytes | None = None, *, may_wait: bool = False) -> IngestResult:
        """Apply an upload: the object's current bytes, or `data` (a file of an import bundle)."""
        if change.size is not None and change.size > limits.MAX_UPLOAD_BYTES:
            return self._reject(change, UploadRejected([too_big(change.size, limits.MAX_UPLOAD_BYTES)]))
        upload = self.store.upload_record(change.key)
        if upload is not None and upload.order >= change.order:
            raise StaleChange
        data = self.files.read(change) if data is None else data
        if data is None:
            raise StaleChange
        try:
            parsed = parse_upload(change.key, data)
            result = self.store_parsed(change, parsed, upload, self.photos_of(change, parsed, may_wait))
        except UploadRejected as rejected:
            return self._reject(change, rejected)
        self.files.clear_rejection(change.key)
        return result

    def photos_of(self, change: UploadChange, parsed: ParsedUpload, may_wait: bool) -> SentPhotos | None:
        """The photos the article names beside its file (its lead image, and those its body shows), as the
        image function made them; None if it names none. Refused, with a photo's own reasons, if a photo
        was; refused if one never came."""
        image = parsed.fields.image
        lead = image.url if image is not None and is_photo_ref(image.url) else None
        body = body_photo_refs(parsed.body_html)
        if lead is None and not body:
            return None
        if self.photos is None:
            raise UploadRejected([Problem(field="image", message=NO_PHOTOS_HERE)])
        made = {
            ref: self._photo(self.photos, change, ref, "image" if ref == lead else "body", may_wait)
            for ref in [*body, lead]
            if ref
        }
        if image is not None and lead is not None and image.focus is not None:
            photo = made[lead]
            if photo.crops_for(image.focus) is None:
                if may_wait:  # its crops around this article's focal point are made on request
                    self.photos.ask_crops(photo, image.focus)
                    raise PhotoPending(photo.key)
                focus = f"{image.focus.x}, {image.focus.y}"
                message = f"{lead}: its crops around the focus {focus} were not made in time"
                raise UploadRejected([Problem(field="image", message=message)])
        return SentPhotos(lead=made[lead] if lead else None, body={ref: made[ref] for ref in body})

    def _photo(
        self, photos: PhotoLookup, change: UploadChange, ref: str, where: str, may_wait: bool
    ) -> Photo:
        key = photo_upload_key(change.key, ref)
        if (photo := photos.photo(key)) is not None:
            return photo
        if (report := self.files.read_rejection(key)) is not None:
            reasons = "; ".join(str(problem) for problem in report.problems)
            raise UploadRejected([Problem(field=where, message=f"{ref} was refused: {reasons}")])
        if may_wait:
            raise PhotoPending(key)
        waited = sum(limits.PHOTO_WAIT_SECONDS)
        message = f"{ref}: no photo arrived at {key} within {waited} s; send it beside the article"
        raise UploadRejected([Problem(field=where, message=message)])

    def store_parsed(
        self,
        change: UploadChange,
        parsed: ParsedUpload,
        upload: UploadRecord | None,
        photos: SentPhotos | None = None,
    ) -> IngestResult:
        article_id = upload.article_id if upload else self.new_id()
        # What the upload's key holds now (its article, or what is left of it at its slug).
        current = self.store.article_record(upload.slug) if upload is not None else None
        own = current if isinstance(current, Article | Unpublished) and current.id == article_id else None
        if isinstance(own, Article) and not same_story(own, parsed):
            raise UploadRejected([another_story(change.key, own)])
        if parsed.fields.slug is None and own is not None and own.slug != parsed.slug:
            # A slug derived from the title is fixed once published: a corrected title must not move the
            # URL readers already have. Only a `slug:` in the file moves an article.
            parsed = replace(parsed, slug=own.slug)
        at_slug = current if own is not None and own.slug == parsed.slug else None
        at_slug = at_slug or self.store.article_record(parsed.slug)
        if isinstance(at_slug, Article) and at_slug.id != article_id:
            if at_slug.source_key == change.key:  # this very upload key, stored meanwhile (another import
                raise ConcurrentChange  # of the same file): read its upload record again
            raise UploadRejected([slug_taken(parsed.slug, at_slug.source_key)])
        previous = at_slug if isinstance(at_slug, Article) else None
        moved_from = own if isinstance(own, Article) and own.slug != parsed.slug else None

        record = UploadRecord(
            key=change.key, article_id=article_id, slug=parsed.slug, order=change.order, etag=change.etag
        )
        if (
            previous is not None
            and moved_from is None
            and previous.content_hash == fingerprint(parsed, photos)
        ):
            self.store.save(content_change(record))
            return IngestResult(Outcome.UNCHANGED, change.key, parsed.slug)

        try:
            article = build_article(
                parsed,
                article_id=article_id,
                source_key=change.key,
                now=change.event_time,
                default_language=self.default_language,
                previous=previous or moved_from,
                last_revision=at_slug.revision
                if isinstance(at_slug, Unpublished) and at_slug.id == article_id
                else 0,
                photos=photos,
            )
        except Exception as error:  # pure: a fault of ours on this file, which no retry would mend
            raise UploadRejected.from_unexpected(error) from error
        self.store.save(content_change(record, article, replaces=at_slug, moved_from=moved_from))
        return IngestResult(OUTCOMES[article.status], change.key, article.slug)

    def delete(self, change: UploadChange) -> IngestResult:
        upload = self.store.upload_record(change.key)
        if upload is None:
            self.files.clear_rejection(change.key)
            return IngestResult(Outcome.UNCHANGED, change.key)
        if upload.order >= change.order or self.files.exists(change.key):
            raise StaleChange
        current: ArticleRecord | None = self.store.article_record(upload.slug)
        gone = None
        if isinstance(current, Article) and current.id == upload.article_id:
            gone = Unpublished(
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
