"""Applying an import bundle: its files as uploads, with the reads and writes done in batches.

Each file is decided exactly as an upload of its key would be (`Ingest.store_parsed`: same validation, same
article, same lists and revision, same rejection report), against a view of the content table that was
read up front in BatchGetItems and that sees the bundle's own earlier files. The writes are then packed
into transactions of up to 100 items, all-or-nothing each. A transaction that is cancelled (someone changed
an article meanwhile) costs nothing but time: its files are applied again one by one, with fresh reads.

An imported file has no object of its own under inbox/: its order is 'I…' (see `UploadChange.order`), so
a later upload of the same key, or deleting that key, supersedes it as it would any upload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from pydantic import ValidationError

from newsfeed.logic.ingest import Ingest, IngestResult, Outcome, too_big
from newsfeed.logic.parsing import ParsedUpload, parse_upload
from newsfeed.logic.ports import BulkContentStore
from newsfeed.models import limits
from newsfeed.models.article import ArticleRecord
from newsfeed.models.content import ContentChange
from newsfeed.models.errors import ConcurrentChange
from newsfeed.models.upload import (
    IMPORTED,
    BundleFile,
    ChangeKind,
    ImportedFile,
    ImportResult,
    Problem,
    ReceivedBundle,
    UploadChange,
    UploadRecord,
    UploadRejected,
)


@dataclass
class BundleView:
    """The content table as the bundle's files see it: batch-read once, then their own writes on top."""

    store: BulkContentStore
    uploads: dict[str, UploadRecord | None]
    records: dict[str, ArticleRecord | None]
    pending: list[ContentChange] = field(default_factory=list)

    def upload_record(self, key: str) -> UploadRecord | None:
        if key not in self.uploads:
            self.uploads[key] = self.store.upload_record(key)
        return self.uploads[key]

    def article_record(self, slug: str) -> ArticleRecord | None:
        if slug not in self.records:
            self.records[slug] = self.store.article_record(slug)
        return self.records[slug]

    def save(self, change: ContentChange) -> None:
        """Keep the change for `flush`, and see it from now on."""
        self.pending.append(change)
        if change.upload is not None:
            self.uploads[change.upload.key] = change.upload
        for record in (change.record, change.redirect):
            if record is not None:
                self.records[record.slug] = record


def file_changes(
    bundle_change: UploadChange, bundle: ReceivedBundle
) -> tuple[list[tuple[UploadChange, bytes]], list[ImportedFile]]:
    """Each file of the bundle as the upload change it stands for (its ETag is S3's for the same bytes);
    and the files that cannot stand for one (a name no upload can have, say), each refused alone."""
    changes, refused = [], []
    for raw in bundle.files:
        try:
            file = BundleFile.model_validate(raw)
        except ValidationError as error:
            problems = [Problem(field=_where(e["loc"]) or "file", message=_said(e)) for e in error.errors()]
            refused.append(ImportedFile(key=str(raw.get("key", "")), outcome="rejected", problems=problems))
            continue
        data = file.body.encode()
        change = UploadChange(
            kind=ChangeKind.DELETE if file.delete else ChangeKind.PUT,
            bucket=bundle_change.bucket,
            key=file.key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            event_time=bundle_change.event_time,
            import_order=IMPORTED + bundle_change.order,
            file_name=file.file_name,
        )
        changes.append((change, data))
    return changes, refused


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def _said(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def is_bundle(change: UploadChange) -> bool:
    return change.key.startswith(limits.IMPORT_PREFIX)  # (events.py passes only the creation of a bundle)


def read_bundle(ingest: Ingest, change: UploadChange) -> ReceivedBundle | list[Problem] | None:
    """The bundle, the problems that make it unusable, or None if the object changed since the event."""
    if change.size is not None and change.size > limits.MAX_IMPORT_BYTES:
        return [too_big(change.size, limits.MAX_IMPORT_BYTES)]
    data = ingest.files.read(change, limits.MAX_IMPORT_BYTES)
    if data is None:
        return None
    try:
        return ReceivedBundle.model_validate_json(data)
    except ValidationError as error:
        return [Problem(field=_where(e["loc"]) or "bundle", message=_said(e)) for e in error.errors()]


def parse_files(files: Sequence[tuple[UploadChange, bytes]]) -> list[ParsedUpload | UploadRejected]:
    """Each file parsed, or why it is refused (an unpublish has nothing to parse: no problems)."""
    parsed: list[ParsedUpload | UploadRejected] = []
    for file, data in files:
        if file.kind is ChangeKind.DELETE:
            parsed.append(UploadRejected([]))
        elif len(data) > limits.MAX_UPLOAD_BYTES:
            parsed.append(UploadRejected([too_big(len(data), limits.MAX_UPLOAD_BYTES)]))
        else:
            try:
                parsed.append(parse_upload(file.file_name or file.key, data))
            except UploadRejected as rejected:
                parsed.append(rejected)
    return parsed


def decide(
    ingest: Ingest,
    store: BulkContentStore,
    files: Sequence[tuple[UploadChange, bytes]],
    parsed: list[ParsedUpload | UploadRejected],
    may_wait: bool = False,
) -> tuple[BundleView, list[IngestResult], list[int], list[int]]:
    """Decide every file against one batch-read view of `store` (the ingest's, through its bulk port): the
    view (its pending changes), each file's result, for each pending change the index of its file, and the
    indexes of the files another writer of the same key overtook (the view is stale for them). Those and
    unpublishes wait (UNCHANGED here, with no pending change): `apply_bundle` applies them alone. A photo a
    file names that is still on its way raises PhotoPending while `may_wait`: the whole bundle waits, as
    nothing has been saved yet."""
    uploads = store.upload_records([file.key for file, _ in files])
    slugs = [p.slug for p in parsed if isinstance(p, ParsedUpload)] + [u.slug for u in uploads.values()]
    records = store.article_records(slugs)
    view = BundleView(
        store,
        uploads={file.key: uploads.get(file.key) for file, _ in files},
        records={slug: records.get(slug) for slug in slugs},
    )
    deciding = replace(ingest, store=view)
    results: list[IngestResult] = []
    saved: list[int] = []
    overtaken: list[int] = []
    for n, ((file, _), parse) in enumerate(zip(files, parsed, strict=True)):
        upload = view.upload_record(file.key)
        if file.kind is ChangeKind.DELETE:
            results.append(IngestResult(Outcome.UNCHANGED, file.key))
        elif upload is not None and upload.order == file.order:  # this very change, applied already: the
            results.append(IngestResult(Outcome.UNCHANGED, file.key))  # bundle again after a stop
        elif upload is not None and upload.order > file.order:  # an upload of the key, or a later import
            results.append(IngestResult(Outcome.STALE, file.key))
        elif isinstance(parse, UploadRejected):
            results.append(IngestResult.refused(file.key, parse))
        else:
            before = len(view.pending)
            try:
                photos = ingest.photos_of(file, parse, may_wait)
                results.append(deciding.store_parsed(file, parse, upload, photos))
            except UploadRejected as rejected:
                results.append(IngestResult.refused(file.key, rejected))
            except ConcurrentChange:
                results.append(IngestResult(Outcome.UNCHANGED, file.key))
                overtaken.append(n)
            saved += [n] * (len(view.pending) - before)
    return view, results, saved, overtaken


def apply_bundle(
    ingest: Ingest, store: BulkContentStore, change: UploadChange, *, may_wait: bool = False
) -> IngestResult:
    """Apply every file of an import bundle, and leave what became of each under import-results/."""
    bundle = read_bundle(ingest, change)
    if bundle is None:
        return IngestResult(Outcome.STALE, change.key)
    if isinstance(bundle, list):
        ingest.files.write_rejection(ingest.report(change, bundle))
        ingest.files.write_import_result(
            ImportResult(bundle=change.key, etag=change.etag, files=[], problems=bundle)
        )
        return IngestResult(Outcome.REJECTED, change.key, problems=bundle)
    files, refused = file_changes(change, bundle)
    view, results, saved, overtaken = decide(ingest, store, files, parse_files(files), may_wait)

    # One by one, reading afresh (each reports its own problems): files whose transaction was cancelled
    # (someone else changed those articles meanwhile), files another import of their key overtook, and
    # unpublishes.
    alone = {saved[i] for i in view.store.save_all(view.pending)}
    alone |= {n for n, (file, _) in enumerate(files) if file.kind is ChangeKind.DELETE} | set(overtaken)
    for n in sorted(alone):
        file, data = files[n]
        step = ingest.delete if file.kind is ChangeKind.DELETE else partial(ingest.put, data=data)
        results[n] = ingest.retrying(file, partial(step, file))
    for n, ((file, _), result) in enumerate(zip(files, results, strict=True)):
        if result.outcome is Outcome.REJECTED and n not in alone:
            ingest.files.write_rejection(ingest.report(file, result.problems))
    ingest.files.clear_rejections([r.key for r in results if r.outcome is not Outcome.REJECTED])
    imported = refused + [
        ImportedFile(key=r.key, outcome=str(r.outcome), slug=r.slug, problems=r.problems) for r in results
    ]
    ingest.files.write_import_result(ImportResult(bundle=change.key, etag=change.etag, files=imported))
    problems = [Problem(field=f.key, message=str(f.problems[0])) for f in imported if f.problems]
    unexpected = [f"{r.key}: {error}" for r in results for error in r.unexpected]
    return IngestResult(Outcome.IMPORTED, change.key, problems=problems, unexpected=unexpected)
