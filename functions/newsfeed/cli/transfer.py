"""`newsfeed import DIR`: thousands of articles into a stack.

Import packs the directory's files into bundles (as many files and bytes as `limits` allows) under imports/;
the ingest applies each bundle's files as uploads of `inbox/<path in DIR>` (same rules, same articles,
same rejection reports) with batched reads and writes, and leaves what became of each file under
import-results/. A state file in DIR (`.newsfeed-import.json`) remembers, for the stack it was sent to,
every file's outcome and content hash, so an interrupted import picks up where it stopped and a second run
sends only what changed. What the state file says is checked against the stack: a file it calls imported
that the stack does not hold, or one waiting on a bundle the stack no longer has (a local stack restarted
empty, say), is sent again; a state file of another stack is set aside.

`newsfeed.cli.export` is the way back out.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.models import limits
from newsfeed.models.upload import Problem, UploadRejected

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.uploads import UploadBucket

STATE_FILE = ".newsfeed-import.json"
ACCEPTED = {"published", "scheduled", "saved", "unchanged"}
BUNDLE_BYTES = limits.MAX_IMPORT_BYTES - 64 * 1024  # room for the JSON around the files


@dataclass
class FileState:
    etag: str
    outcome: str  # "sent" until the ingest has dealt with it; then an ingest outcome
    bundle: str = ""
    slug: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.outcome != "sent"


@dataclass
class ImportState:
    """What an import of one directory into one stack has done so far (one JSON file in that directory)."""

    path: Path
    stack: str  # the uploads bucket and content table the files were sent to
    files: dict[str, FileState] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, stack: str) -> ImportState:
        """The directory's state for `stack`: empty if there is none, or it is another stack's."""
        path = root / STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, stack)
        if raw.get("stack") != stack:
            return cls(path, stack)
        return cls(path, stack, {name: FileState(**value) for name, value in raw["files"].items()})

    def save(self) -> None:
        scratch = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")  # runs at once write their own
        files = {name: vars(state) for name, state in sorted(self.files.items())}
        document = {"stack": self.stack, "files": files}
        scratch.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(scratch, self.path)


@dataclass(frozen=True)
class SourceFile:
    name: str  # its path in the directory, with '/'
    data: bytes
    etag: str  # MD5, as S3 would give the same bytes
    key: str = ""  # the upload it stands for: `inbox/<name>`, or the key an export says it came from

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", upload_key(self.name))

    def bundled(self) -> dict[str, str]:
        """As a file of an import bundle (models.upload.BundleFile)."""
        renamed = {"file_name": self.name} if self.key != upload_key(self.name) else {}
        return {"key": self.key, "body": self.data.decode("utf-8"), **renamed}


def upload_key(name: str) -> str:
    return f"{limits.UPLOAD_PREFIX}{name}"


def exported_keys(root: Path) -> dict[str, str]:
    """File name -> upload key, for the files of an export whose name is not their key's."""
    try:
        keys = json.loads((root / limits.EXPORT_KEYS).read_text(encoding="utf-8"))["upload_keys"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    valid = isinstance(keys, dict) and all(
        isinstance(k, str) and isinstance(v, str) and v.startswith(limits.UPLOAD_PREFIX)
        for k, v in keys.items()
    )
    return keys if valid else {}


def _article_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name, path) of every Markdown or JSON file under `root` (the extension in any case), sorted."""
    from newsfeed.logic.parsing import is_upload_name

    for path in sorted(root.rglob("*")):
        if is_upload_name(path.name) and path.is_file():
            yield path.relative_to(root).as_posix(), path


def _hidden(name: str) -> bool:
    return any(part.startswith(".") for part in name.split("/"))


def source_files(root: Path) -> Iterator[SourceFile]:
    """Every upload file under `root` (Markdown or JSON; hidden files and folders skipped), sorted."""
    keys = exported_keys(root)
    for name, path in _article_files(root):
        if not _hidden(name):
            data = path.read_bytes()
            etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            yield SourceFile(name, data, etag, keys.get(name, ""))


def hidden_files(root: Path) -> list[str]:
    """The article files under `root` that an import skips: hidden (a name or folder starting with a dot),
    as editors' tools keep drafts, backups and their own files (this program's among them)."""
    ours = {STATE_FILE, limits.EXPORT_KEYS}
    return [name for name, _ in _article_files(root) if _hidden(name) and name not in ours]


def local_problems(file: SourceFile) -> list[Problem]:
    """What the ingest would refuse before parsing (a name no upload can have, too big, not UTF-8): no need
    to send it (and a bundle could not carry it)."""
    from newsfeed.logic.ingest import too_big
    from newsfeed.logic.parsing import decode_text
    from newsfeed.models.upload import key_problem

    if problem := key_problem(file.key):
        return [Problem(field="file", message=problem)]
    if len(file.data) > limits.MAX_UPLOAD_BYTES:
        return [too_big(len(file.data), limits.MAX_UPLOAD_BYTES)]
    try:
        decode_text(file.data)
    except UploadRejected as rejected:
        return rejected.problems
    return []


def bundles(files: Sequence[SourceFile]) -> Iterator[list[SourceFile]]:
    batch: list[SourceFile] = []
    size = 0
    for file in files:
        if batch and (len(batch) == limits.MAX_IMPORT_FILES or size + len(file.data) > BUNDLE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(file)
        size += len(file.data) * 2  # JSON escaping can double it
    if batch:
        yield batch


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0  # already imported by an earlier run, unchanged since
    outcomes: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    pending: int = 0
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome in ACCEPTED)


@dataclass
class Importer:
    uploads: UploadBucket
    table: ContentTable
    root: Path
    workers: int = 8
    on_progress: Callable[[int], None] = lambda done: None  # called with files newly finished
    wait: Callable[[], None] = lambda: time.sleep(0.2)  # between looks at the results
    keys: dict[str, str] = field(default_factory=dict)  # file name -> its upload key, for this run

    @property
    def stack(self) -> str:
        return f"{self.uploads.bucket} {self.table.table}"

    def run(self, timeout: float) -> Summary:
        state = ImportState.load(self.root, self.stack)
        summary = Summary()
        files = list(source_files(self.root))
        self.keys = {file.name: file.key for file in files}
        summary.total = len(files)
        todo: list[SourceFile] = []
        waiting: dict[str, set[str]] = {}  # bundle key -> names still without an outcome
        earlier_runs = {f.name: state.files.get(f.name) for f in files}
        unchanged = {f.name: k for f in files if (k := earlier_runs[f.name]) and k.etag == f.etag}
        lost = self._lost(unchanged)
        for file in files:
            earlier = unchanged.get(file.name)
            if earlier is not None and file.name not in lost:
                if earlier.final:
                    summary.skipped += 1
                    self.on_progress(1)
                else:
                    waiting.setdefault(earlier.bundle, set()).add(file.name)  # sent by a run that stopped
                continue
            problems = local_problems(file)
            if problems:
                state.files[file.name] = FileState(file.etag, "rejected", problems=[str(p) for p in problems])
                self.on_progress(1)
                continue
            todo.append(file)
        start = time.monotonic()
        for file, refused in self._photos(todo, timeout).items():  # sent first, each with its verdict
            state.files[file.name] = FileState(file.etag, "rejected", problems=refused)
            todo.remove(file)
            self.on_progress(1)
        try:
            self._send(todo, state, waiting)
            self._collect(state, waiting, timeout)
        finally:
            state.save()
        summary.seconds = time.monotonic() - start
        for file in files:
            known = state.files.get(file.name)
            if known is None or not known.final:
                summary.pending += 1
                continue
            summary.outcomes[known.outcome] = summary.outcomes.get(known.outcome, 0) + 1
            if known.outcome == "rejected":
                summary.rejected.append((file.name, known.problems))
        return summary

    def _photos(self, todo: list[SourceFile], timeout: float) -> dict[SourceFile, list[str]]:
        """Send the photos the files name beside them and wait for their verdicts: the files whose photos
        are missing or refused, with why (they are not sent)."""
        from newsfeed.cli.photos import send_photos, verdicts

        sent_keys: dict[str, str] = {}
        photos, problems = [], {}
        for file in todo:
            sent, missing = send_photos(self.uploads, self.root / file.name, file.key, file.data, sent_keys)
            photos += sent
            if missing:
                problems[file.key] = missing
        for key, refused in verdicts(self.uploads, self.table, photos, timeout, self.wait).items():
            problems.setdefault(key, []).extend(refused)
        return {
            file: [line.removeprefix("  - ") for line in problems[file.key]]
            for file in todo
            if file.key in problems
        }

    def _lost(self, known: dict[str, FileState]) -> set[str]:
        """The files the state accounts for that the stack does not: imported ones it holds no upload of,
        and ones waiting on bundles it no longer has (neither the bundle nor its result)."""
        imported = [name for name, k in known.items() if k.outcome in ACCEPTED | {"stale"}]
        held = self.table.articles.upload_records([self.keys[name] for name in imported])
        lost = {name for name in imported if self.keys[name] not in held}
        folders = {k.bundle.rpartition("/")[0] + "/" for k in known.values() if not k.final}
        bundles = set().union(
            *(self.uploads.sent_bundles(f) | self.uploads.finished_bundles(f) for f in folders)
        )
        return lost | {name for name, k in known.items() if not k.final and k.bundle not in bundles}

    def _send(self, todo: list[SourceFile], state: ImportState, waiting: dict[str, set[str]]) -> None:
        run = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"

        def send(numbered: tuple[int, list[SourceFile]]) -> tuple[str, list[SourceFile]]:
            number, files = numbered
            key = f"{limits.IMPORT_PREFIX}{run}/{number:05d}.json"
            body = {"files": [f.bundled() for f in files]}
            self.uploads.upload(key, json.dumps(body, ensure_ascii=False).encode())
            return key, files

        with ThreadPoolExecutor(self.workers) as pool:
            for key, files in pool.map(send, enumerate(bundles(todo))):
                waiting[key] = {f.name for f in files}
                for f in files:
                    state.files[f.name] = FileState(f.etag, "sent", bundle=key)

    def _collect(self, state: ImportState, waiting: dict[str, set[str]], timeout: float) -> None:
        """Read each bundle's result as it appears; stop when all are in or nothing moved for `timeout`."""
        last_progress = time.monotonic()
        named = {key: name for name, key in self.keys.items()}
        while waiting and time.monotonic() - last_progress < timeout:
            folders = {key.rpartition("/")[0] + "/" for key in waiting}
            finished = set().union(*(self.uploads.finished_bundles(folder) for folder in folders))
            ready = [key for key in waiting if key in finished]
            with ThreadPoolExecutor(self.workers) as pool:
                results = list(pool.map(self.uploads.read_import_result, ready))
            for key, result in zip(ready, results, strict=True):
                if result is None:
                    continue
                names = waiting.pop(key)
                for imported in result.files:
                    name = named.get(imported.key)
                    if name in names:
                        known = state.files[name]
                        known.outcome, known.slug = imported.outcome, imported.slug
                        known.problems = [str(p) for p in imported.problems]
                unread = [str(p) for p in result.problems] or ["file: the stack's result for it is missing"]
                for name in names:
                    if not state.files[name].final:  # the bundle could not be read: none of it applied
                        state.files[name].outcome, state.files[name].problems = "rejected", unread
                self.on_progress(len(names))
                last_progress = time.monotonic()
            if waiting:
                self.wait()
