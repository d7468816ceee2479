"""A photo upload's change applied: renditions made public and the photo recorded, or a rejection report
next to the upload and nothing public; a deleted upload's record forgotten."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from newsfeed.logic.photos.decode import Decoded, decode
from newsfeed.logic.photos.renditions import File, digest_of, needed, render
from newsfeed.models import caching, limits
from newsfeed.models.photo import Crop, CropRequest, Focus, Photo, rendition_key
from newsfeed.models.upload import ChangeKind, Problem, RejectionReport, UploadChange, key_problem

WRITERS = 16  # renditions written at once (the shared S3 client's pool holds 64 connections)


class PhotoUploads(Protocol):
    def read(self, change: UploadChange, limit: int = ...) -> bytes | None: ...

    def write_rejection(self, report: RejectionReport) -> None: ...

    def clear_rejection(self, key: str) -> None: ...


class RenditionFiles(Protocol):
    def write_once(self, path: str, body: bytes, *, content_type: str, cache_control: str) -> None: ...


class PhotoRecords(Protocol):
    def keep(self, photo: Photo, order: str) -> bool: ...

    def photo(self, key: str) -> Photo | None: ...

    def add_crops(self, key: str, etag: str, label: str, crops: list[Crop]) -> None: ...

    def forget(self, key: str, order: str) -> None: ...


@dataclass(frozen=True)
class PhotoResult:
    outcome: str  # made (renditions public), rejected, removed or stale (a newer version is there)
    problems: list[Problem] = field(default_factory=list)
    photo: Photo | None = None


@dataclass
class PhotoIntake:
    uploads: PhotoUploads
    public: RenditionFiles
    photos: PhotoRecords
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def apply(self, change: UploadChange) -> PhotoResult:
        if change.kind is ChangeKind.DELETE:
            self.photos.forget(change.key, change.order)
            self.uploads.clear_rejection(change.key)
            return PhotoResult("removed")
        if (problem := key_problem(change.key)) is not None:
            return self._reject(change, [Problem(field="file", message=problem)])
        if change.size is not None and change.size > limits.MAX_PHOTO_BYTES:
            return self._reject(change, [_too_big(change.size)])
        data = self.uploads.read(change, limits.MAX_PHOTO_BYTES)
        if data is None:
            return PhotoResult("stale")
        if len(data) > limits.MAX_PHOTO_BYTES:
            return self._reject(change, [_too_big(len(data))])
        decoded = decode(data, needed)
        if not isinstance(decoded, Decoded):
            return self._reject(change, decoded)
        digest = digest_of(data)
        files = render(decoded.image, digest, Focus())
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:  # 16 files: one S3 round trip's time, not 16
            list(pool.map(self._publish, files))
        photo = Photo(
            key=change.key,
            etag=change.etag or "",
            digest=digest,
            width=decoded.size[0],
            height=decoded.size[1],
            renditions=[f.rendition for f in files if not isinstance(f.rendition, Crop)],
            crops=[f.rendition for f in files if isinstance(f.rendition, Crop)],
        )
        if not self.photos.keep(photo, change.order):
            return PhotoResult("stale")
        self.uploads.clear_rejection(change.key)
        return PhotoResult("made", photo=photo)

    def crop(self, request: CropRequest) -> PhotoResult:
        """An article's crops around its own focal point, from the photo as sent (if it is still that
        version: a newer one has its own crops made when the article asks again)."""
        photo = self.photos.photo(request.crop)
        if photo is None or photo.etag != request.etag:
            return PhotoResult("stale")
        if photo.crops_for(request.focus) is not None:
            return PhotoResult("made", photo=photo)
        change = UploadChange(
            kind=ChangeKind.PUT, bucket="", key=request.crop, etag=request.etag, event_time=self.clock()
        )
        data = self.uploads.read(change, limits.MAX_PHOTO_BYTES)
        decoded = decode(data, needed) if data is not None else None
        if not isinstance(decoded, Decoded):  # gone or changed since: its successor is dealt with in turn
            return PhotoResult("stale")
        files = render(decoded.image, photo.digest, request.focus, encodings=())
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            list(pool.map(self._publish, files))
        crops = [f.rendition for f in files if isinstance(f.rendition, Crop)]
        self.photos.add_crops(request.crop, request.etag, request.focus.label, crops)
        return PhotoResult("made", photo=photo)

    def _publish(self, file: File) -> None:
        key = rendition_key(file.rendition)
        self.public.write_once(key, file.body, content_type=file.rendition.type, cache_control=caching.PHOTO)

    def _reject(self, change: UploadChange, problems: list[Problem]) -> PhotoResult:
        # A refused version replaces the one made before: an article naming it now is refused with these
        # reasons (those showing the earlier one keep its renditions).
        self.photos.forget(change.key, change.order)
        self.uploads.write_rejection(
            RejectionReport(key=change.key, etag=change.etag, rejected_at=self.clock(), problems=problems)
        )
        return PhotoResult("rejected", problems)


def _too_big(size: int) -> Problem:
    mb = 1024 * 1024
    return Problem(
        field="file",
        message=f"is {size / mb:.1f} MB; a photo may be at most {limits.MAX_PHOTO_BYTES // mb} MB",
    )
