"""The local stack's journal: every request that changed moto's state since the last snapshot, written as it
is answered and replayed in order at the next start (infra/local_state.py has the snapshots).

A snapshot of a large state takes seconds to write; the journal makes what was answered survive a crash
(`kill -9`) however long that takes: a request is appended to the journal file before its answer is sent
(the operating system keeps it even if the process dies; it is flushed to disk each second, so a power cut
loses at most that second). Changing requests run one at a time, so that the journal's order is the order
moto applied them, and replaying it gives every stream record the number it had (the stream pollers' kept
positions refer to them). Each snapshot starts a new journal file (`journal.<generation>`) and names it;
once the snapshot is on disk the older files are deleted.

Replayed, a request does what it did, with two differences a reader may see: S3 gives a replayed object a
new version id and modification time, and SQS gives a replayed message a new id, so a message that was
received and deleted after the snapshot is delivered again (the functions take every message at least
once; they are idempotent).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PREFIX = "journal."
_RECORD = struct.Struct(">II")  # a record's length and CRC-32, then its pickled request
# Not written: they name receipt handles only the receiving process knew (a replay could not apply them).
_UNREPLAYABLE = ("AmazonSQS.DeleteMessage", "AmazonSQS.ChangeMessageVisibility")


def path(folder: Path, generation: int) -> Path:
    return folder / f"{PREFIX}{generation:08d}"


def generations(folder: Path) -> list[int]:
    """The journal files' generations in `folder`, oldest first."""
    found = []
    for file in folder.glob(f"{PREFIX}*"):
        number = file.name.removeprefix(PREFIX)
        if number.isdigit():
            found.append(int(number))
    return sorted(found)


def drop_before(folder: Path, generation: int) -> None:
    """Delete the journal files a snapshot on disk has taken in."""
    for older in generations(folder):
        if older < generation:
            path(folder, older).unlink(missing_ok=True)


def replayable(environ: dict[str, Any]) -> bool:
    return not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_UNREPLAYABLE)


def request_of(environ: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """The request as the journal keeps it (its CGI and HTTP variables, and its body, read whole: the
    request is given it back to read again), taken before moto sees it."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    body: bytes = stream.read(int(length)) if length.isdigit() else stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    return {key: value for key, value in environ.items() if key.isupper() and isinstance(value, str)}, body


class Journal:
    """One journal file, appended to."""

    def __init__(self, folder: Path, generation: int) -> None:
        self.folder, self.generation = folder, generation
        self.fd = os.open(path(folder, generation), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def append(self, request: tuple[dict[str, str], bytes]) -> None:
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        record = memoryview(_RECORD.pack(len(data), zlib.crc32(data)) + data)
        while record:
            record = record[os.write(self.fd, record) :]

    def sync(self) -> None:
        os.fsync(self.fd)

    def rotate(self) -> Journal:
        """The next generation's file, this one closed."""
        following = Journal(self.folder, self.generation + 1)
        self.close()
        return following

    def close(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)


def requests(folder: Path, since: int) -> Iterator[tuple[dict[str, str], bytes]]:
    """The requests journaled in generation `since` and after, in order. A file ends at its first record
    that is incomplete or does not match its checksum (a crash while it was written: it was not answered)."""
    for generation in generations(folder):
        if generation < since:
            continue
        data = path(folder, generation).read_bytes()
        at = 0
        while at + _RECORD.size <= len(data):
            length, checksum = _RECORD.unpack_from(data, at)
            record = data[at + _RECORD.size : at + _RECORD.size + length]
            if len(record) < length or zlib.crc32(record) != checksum:
                break
            yield pickle.loads(record)  # noqa: S301 - our own file, each record checked above
            at += _RECORD.size + length


def replay(folder: Path, since: int, app: Callable[..., Any]) -> int:
    """Apply the journaled requests to moto (`app`, its WSGI application) in order; how many."""
    count = 0
    for request, body in requests(folder, since):
        environ: dict[str, Any] = {
            **{key: value for key, value in request.items() if key != "HTTP_TRANSFER_ENCODING"},
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        response = app(environ, lambda status, headers, exc_info=None: None)
        try:
            b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        count += 1
    return count
