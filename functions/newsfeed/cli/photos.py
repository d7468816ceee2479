"""The photos articles name beside their files, sent before them (by `publish` and `import`): an article
goes only once its photo has a verdict, so it is never stored waiting for one, and a refused or missing
photo keeps the article back, saying why."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.uploads import UploadBucket


@dataclass(frozen=True)
class SentPhoto:
    article: str  # the article's upload key
    ref: str  # as the article names it
    key: str  # its own upload key
    etag: str


def photos_named(name: str, data: bytes) -> list[str]:
    """The paths of the photos an article file names beside it (none if it cannot be read: the ingest's
    verdict on the article will say why)."""
    from newsfeed.logic.article_photos import body_photo_refs
    from newsfeed.logic.parsing import parse_upload
    from newsfeed.models.fields import is_photo_ref
    from newsfeed.models.upload import UploadRejected

    try:
        parsed = parse_upload(name, data)
    except UploadRejected:
        return []
    image = parsed.fields.image
    lead = [image.url] if image is not None and is_photo_ref(image.url) else []
    return list(dict.fromkeys([*lead, *body_photo_refs(parsed.body_html)]))


def send_photos(
    uploads: UploadBucket, article: Path, key: str, data: bytes, sent: dict[str, str] | None = None
) -> tuple[list[SentPhoto], list[str]]:
    """Upload the photos the article at `key` (from the file `article`) names beside it: what was sent, and
    the lines to print for photos that could not be read. `sent` (photo key -> ETag) saves sending one photo
    twice in a run."""
    from newsfeed.logic.article_photos import photo_upload_key

    photos, problems = [], []
    sent = {} if sent is None else sent
    for ref in photos_named(article.name, data):
        local, photo_key = article.parent / ref, photo_upload_key(key, ref)
        if photo_key not in sent:
            try:
                sent[photo_key] = uploads.upload(photo_key, local.read_bytes())
            except OSError as error:
                problems.append(f"  - image: {ref}: {error.strerror} (looked for {local})")
                continue
        photos.append(SentPhoto(key, ref, photo_key, sent[photo_key]))
    return photos, problems


def verdicts(
    uploads: UploadBucket,
    table: ContentTable,
    sent: list[SentPhoto],
    timeout: float,
    wait: Callable[[], None] = lambda: time.sleep(0.1),
) -> dict[str, list[str]]:
    """Wait for the image function's verdict on each photo sent (`wait` between looks): article key -> the
    lines to print for its refused photos, or for those with no verdict in time (one not listed may go)."""
    from newsfeed.dal.photos import PhotoStore

    records = PhotoStore(table.table, table.client)
    problems: dict[str, list[str]] = {}
    waiting = {(photo.key, photo.etag) for photo in sent}
    said: dict[str, list[str]] = {}  # photo key -> its problems
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for photo_key, etag in sorted(waiting):
            report = uploads.read_rejection(photo_key)
            if report is not None and report.etag == etag:
                said[photo_key] = [str(problem) for problem in report.problems]
            elif (made := records.photo(photo_key)) is None or made.etag != etag:
                continue
            waiting.discard((photo_key, etag))
        if waiting:
            wait()
    late = f"no verdict on it after {timeout:.0f}s (is the stack's image function running?)"
    for photo in sent:
        if photo.key in said:
            problems.setdefault(photo.article, []).extend(
                f"  - image: {photo.ref} was refused: {p}" for p in said[photo.key]
            )
        elif (photo.key, photo.etag) in waiting:
            problems.setdefault(photo.article, []).append(f"  - image: {photo.ref}: {late}")
    return problems
