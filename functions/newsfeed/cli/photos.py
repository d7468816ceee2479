"""The photo an article names beside its file, sent before it: the article goes only once its photo has a
verdict, so it is never stored waiting for one, and a refused photo keeps the article back, saying why."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsfeed.cli.connection import Connection


def photos_named(name: str, data: bytes) -> list[str]:
    """The paths of the photos an article file names beside it (none if it cannot be read: the ingest's
    verdict on the article will say why)."""
    from newsfeed.logic.parsing import parse_upload
    from newsfeed.models.fields import is_photo_ref
    from newsfeed.models.upload import UploadRejected

    try:
        image = parse_upload(name, data).fields.image
    except UploadRejected:
        return []
    return [image.url] if image is not None and is_photo_ref(image.url) else []


def send_photos(connection: Connection, article: Path, key: str, data: bytes, timeout: float) -> list[str]:
    """Upload the photos the article at `key` names beside it and wait for each one's verdict; the lines to
    print under the article if any is missing or refused (none: the article may go)."""
    from newsfeed.dal.photos import PhotoStore
    from newsfeed.logic.article_photos import photo_upload_key

    problems, sent = [], {}
    for ref in photos_named(article.name, data):
        local = article.parent / ref
        try:
            photo = local.read_bytes()
        except OSError as error:
            problems.append(f"  - image: {ref}: {error.strerror} (looked for {local})")
            continue
        photo_key = photo_upload_key(key, ref)
        sent[photo_key] = (ref, connection.uploads.upload(photo_key, photo))
    records = PhotoStore(connection.table.table, connection.table.client)
    deadline = time.monotonic() + timeout
    while sent and time.monotonic() < deadline:
        for photo_key, (ref, etag) in list(sent.items()):
            report = connection.uploads.read_rejection(photo_key)
            if report is not None and report.etag == etag:
                problems += [f"  - image: {ref} was refused: {problem}" for problem in report.problems]
            elif (made := records.photo(photo_key)) is None or made.etag != etag:
                continue
            del sent[photo_key]
        if sent:
            time.sleep(0.1)
    problems += [
        f"  - image: {ref}: no verdict on it after {timeout:.0f}s (is the stack's image function running?)"
        for ref, _ in sent.values()
    ]
    return problems
