"""The local stack's state on disk: everything moto holds for it (tables and their streams, buckets, queues,
the secret, the stack's outputs), as one file in the data folder, read at start and written as it changes;
what changed since it was written is in the journal that follows it (infra/journal.py).

- **One consistent cut.** The server takes a snapshot while no request is inside moto (`RequestGate`), by
  forking: the child writes the copy it was born with, while the server goes on answering. New requests
  wait only while those inside finish (50 ms at most, else it tries later) and for the fork. The stream
  pollers keep their positions in moto too (`infra.event_sources`), so tables, buckets, queues and
  positions are always saved together.
- **Atomic.** A snapshot is written to a new file, flushed to disk, then renamed over the old one: a crash
  while saving leaves the previous state whole, and the half-written file is deleted at the next start.
- **Checked.** The file starts with a line naming its format and the moto and Python versions that wrote
  it (moto's objects are pickled, which only the same versions can read back), and ends with a SHA-256 of
  what lies between: a changed or cut-short file is never unpickled. Whatever cannot be loaded is refused
  with one message that names the file, says why and how to recover, and is left as it is.
- **The folder** is held by one stack at a time (a lock file); starting over deletes it once the user types
  yes. After a restart, the ingest's records of invocations that died with the old process are forgotten.
"""

from __future__ import annotations

import copyreg
import fcntl
import hashlib
import io
import json
import os
import pickle
import platform
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

    from infra.resources import Resources

FORMAT = 3  # 3: the checksum covers the header line too (in 2, a byte of it could change unseen)
READABLE = (2, 3)
STATE_FILE = "state.bin"
CHECKSUM = b"sha256 "  # the last line: this, the digest of everything before it, and a newline
CHECKSUM_LINE_BYTES = len(CHECKSUM) + 64 + 1
SERVICES = ("dynamodb", "dynamodbstreams", "s3", "sqs", "cloudformation", "secretsmanager")


class UnreadableState(Exception):
    """The data folder holds a state this code cannot read; the message says what to do."""


def header() -> dict[str, Any]:
    import moto

    return {
        "format": FORMAT,
        "moto": moto.__version__,
        "python": ".".join(platform.python_version_tuple()[:2]),
    }


def _backends() -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in SERVICES}  # type: ignore[call-overload]


def _condition(_: threading.Condition) -> tuple[Any, ...]:
    return threading.Condition, ()  # a queue's lock: a fresh one, nobody can be waiting in a new process


def _lock(_: Any) -> tuple[Any, ...]:
    return threading.RLock, ()


def _item_attributes(attributes: dict[str, Any]) -> tuple[Any, ...]:
    return _restore_item_attributes, (dict(attributes),)


def _restore_item_attributes(values: dict[str, Any]) -> Any:
    """An item's attributes as moto keeps them, filled without its size check per attribute (each set
    re-measures the whole item, which makes loading a large state quadratic); they were checked when they
    were written."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    attributes = LimitedSizeDict()
    dict.update(attributes, values)
    return attributes


class _Summed(io.RawIOBase):
    """A file being written, and the SHA-256 of what went through."""

    def __init__(self, file: io.BufferedWriter) -> None:
        self.file, self.digest = file, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self.file.write(data)


def dump(file: io.BufferedWriter, journal: int = 0) -> None:
    """The header line (with the generation of the journal that follows this state: infra/journal.py), every
    persisted backend's regions, and the checksum line."""
    summed = _Summed(file)
    summed.write(json.dumps({**header(), "journal": journal}).encode() + b"\n")
    state = {
        service: {account: dict(regions.items()) for account, regions in backends.items()}
        for service, backends in _backends().items()
    }
    pickler = pickle.Pickler(summed, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[threading.Condition] = _condition
    pickler.dispatch_table[type(threading.RLock())] = _lock
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    pickler.dispatch_table[LimitedSizeDict] = _item_attributes
    pickler.dump(state)
    file.write(CHECKSUM + summed.digest.hexdigest().encode() + b"\n")


def save(folder: Path, journal: int = 0) -> None:
    """Write the state to `folder` atomically (a new file, flushed, then renamed over the old one), naming
    the generation of the journal that follows it."""
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f"{STATE_FILE}.{os.getpid()}.tmp"
    try:
        with scratch.open("wb") as file:
            dump(file, journal)
            file.flush()
            os.fsync(file.fileno())
        os.replace(scratch, folder / STATE_FILE)
    finally:
        scratch.unlink(missing_ok=True)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def _unreadable(path: Path, why: str) -> UnreadableState:
    return UnreadableState(
        f"error: cannot read the local stack's saved state {path}: {why}. It is left as it is. To carry the "
        "articles over: start the code that wrote it and run `newsfeed export DIR`; then start this one "
        "with `make run FRESH=1` and run `newsfeed import DIR`."
    )


def _damaged(path: Path, why: str) -> UnreadableState:
    return UnreadableState(
        f"error: the local stack's saved state {path} is damaged ({why}): it changed after it was written, "
        "so it is not loaded, and it is left as it is. To recover: put back a copy of the data folder you "
        f"kept; or move the file aside (`mv {path} {path}.damaged`), start again (the stack starts empty) "
        "and import your articles again (`newsfeed import DIR`, from their folder or from your last "
        "`newsfeed export`)."
    )


def remove_unfinished(folder: Path) -> None:
    """Delete snapshots a stopped stack left half-written (the folder is ours alone: data_folder)."""
    for scratch in folder.glob(f"{STATE_FILE}.*.tmp"):
        scratch.unlink(missing_ok=True)


def _verify(file: io.BufferedReader, path: Path, size: int, summed_header: bytes) -> None:
    """Check the checksum line against what lies before it (from the header line `summed_header`, or from
    just after it if that is empty); leaves `file` where it was (just after the header line)."""
    start = file.tell()
    remaining = size - start - CHECKSUM_LINE_BYTES
    if remaining < 0:
        raise _damaged(path, f"it is cut short: {size:,} bytes")
    digest = hashlib.sha256(summed_header)
    while remaining:
        chunk = file.read(min(remaining, 1 << 20))
        if not chunk:
            raise _damaged(path, "it is cut short")
        digest.update(chunk)
        remaining -= len(chunk)
    if file.read() != CHECKSUM + digest.hexdigest().encode() + b"\n":
        raise _damaged(path, "its checksum does not match its content: it was changed or cut short")
    file.seek(start)


def load(folder: Path) -> int | None:
    """Put the saved state (if any) into this process's moto; the generation of the journal that follows
    it, or None when there is none. UnreadableState (and nothing else) when it cannot be loaded."""
    remove_unfinished(folder)
    path = folder / STATE_FILE
    if not path.exists():
        return None
    try:
        with path.open("rb") as file:
            first = file.readline(4096)
            try:
                written = json.loads(first)
            except ValueError:
                raise _damaged(path, "its first line is not the header a saved state starts with") from None
            if not isinstance(written, dict) or written.get("format") not in READABLE:
                raise _unreadable(path, f"it is not in format {FORMAT}")
            journal, kind = written.pop("journal", None), written["format"]
            if {**written, "format": FORMAT} != header() or not isinstance(journal, int):
                raise _unreadable(path, f"it was written by {written}, and this is {header()}")
            _verify(file, path, os.fstat(file.fileno()).st_size, first if kind >= 3 else b"")
            state = pickle.load(file)  # noqa: S301 - our own file, its checksum checked above
    except UnreadableState:
        raise
    except Exception as error:
        raise _unreadable(path, f"{type(error).__name__}: {str(error)[:200]}") from None
    backends = _backends()
    for service, accounts in state.items():
        for account, regions in accounts.items():
            for region, backend in regions.items():
                backends[service][account][region] = backend
    _requeue_in_flight()
    return journal


def _requeue_in_flight() -> None:
    """Messages received before the stop and never deleted: visible again at once, as their receiver is
    gone (rather than after their visibility timeout, minutes on the ingest queue)."""
    for regions in _backends()["sqs"].values():
        for backend in regions.values():
            for queue in backend.queues.values():
                for message in queue._messages:  # where moto keeps them
                    if not message.visible:
                        message.change_visibility(0)


class RequestGate:
    """Requests go through together; a snapshot waits for those inside to leave, and new ones wait for it.

    SQS long polls are let through without waiting: they sit in moto for up to 20 seconds, and what they
    change (a message's visibility) is reset at load anyway."""

    def __init__(self) -> None:
        self._inside = 0
        self._snapshot = False
        self._changed = threading.Condition()
        self.holding_since = 0.0  # time.monotonic() when new requests were last held back

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._changed:
            while self._snapshot:
                self._changed.wait()
            self._inside += 1
        try:
            yield
        finally:
            with self._changed:
                self._inside -= 1
                self._changed.notify_all()

    @contextmanager
    def alone(self, patience: float = 0.05, tries: int = 100) -> Iterator[None]:
        """No request inside moto while this holds. New requests are held back only while those inside
        finish, and for at most `patience` seconds at a time: after that they go on, and it tries again
        later; after `tries` tries it waits as long as it takes."""
        for attempt in range(tries + 1):
            with self._changed:
                while self._snapshot:
                    self._changed.wait()
                self._snapshot = True
                self.holding_since = time.monotonic()
                deadline = self.holding_since + patience
                while self._inside and (attempt == tries or time.monotonic() < deadline):
                    self._changed.wait(None if attempt == tries else max(0.0, deadline - time.monotonic()))
                if not self._inside:
                    break
                self._snapshot = False
                self._changed.notify_all()
            time.sleep(patience)
        try:
            yield
        finally:
            with self._changed:
                self._snapshot = False
                self._changed.notify_all()


class DataInUse(SystemExit):
    pass


@contextmanager
def data_folder(folder: Path | None) -> Iterator[None]:
    """Hold `folder` for this stack alone while it runs (two stacks saving into one folder would mix)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataInUse(f"error: another local stack keeps its state in {folder}") from None
        yield


def start_over(data: Path) -> bool:
    """Delete the data folder once the user types yes; False (nothing deleted) otherwise."""
    if not data.exists():
        return True
    print(f"This deletes everything the local stack keeps in {data}. Type yes to go on: ", end="", flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer != "yes":
        print("Nothing was deleted.")
        return False
    shutil.rmtree(data)
    return True


def forget_interrupted_invocations(session: boto3.session.Session, resources: Resources) -> None:
    """The ingest's idempotency records of invocations that were running when the stack stopped: they died
    with it, as a Lambda invocation that times out does, so their messages (visible again) must be applied
    anew rather than wait out the records' in-progress expiry."""
    dynamodb, table = session.client("dynamodb"), resources.outputs["IdempotencyTableName"]
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="#status = :running",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":running": {"S": "INPROGRESS"}},
        ProjectionExpression="id",
    )
    for page in pages:
        for item in page["Items"]:
            dynamodb.delete_item(TableName=table, Key={"id": item["id"]})
