"""moto's server for the local stack, in a process of its own (`python -m infra.moto_server --port N`).

On AWS, S3, SQS and DynamoDB do not share a CPU with the functions; in one process they shared one
interpreter lock, so every request the functions made waited for the functions' own Python and the other
way round (a bulk import spent half its time on each side, one after the other). The fixes in
infra/moto_fixes.py apply here, where moto runs. The server stops when its parent closes our stdin, which
also happens when the parent dies.

With a data folder (`--data DIR`) it starts from the state saved there and keeps it saved: every changing
request in the journal before it is answered (infra/journal.py), a snapshot about a second after a change
but at most SNAPSHOT_SHARE of the time (infra/local_state.py), which takes the journal in, and a last one when
it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import journal as journal_file
from infra import local_state
from infra.template import ROOT
from newsfeed.cli.local import LOCAL_REGION

SNAPSHOT_EVERY = 1.0  # seconds between flushes of the journal, and at least between snapshots
# A snapshot's child takes most of a CPU while it writes (a 2,000-article state: about 5 s, 50 of them in an
# import's 230 s); after one, the next waits until snapshots have had at most this share of the time. The
# journal keeps every change meanwhile, so this only lengthens what a restart replays.
SNAPSHOT_SHARE = 0.2
READ_OPERATIONS = ("Get", "Query", "Scan", "BatchGet", "Describe", "List", "Receive")


def put_items(table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """Put items straight into a table of the moto in this process, leaving no stream records: setting up
    an archive for a benchmark, not publishing it. Returns how many."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    count = 0
    try:
        for count, item in enumerate(items, 1):  # noqa: B007 - the count is the answer
            table.put_item(item)
    finally:
        table.stream_shard = shard
    return count


def trim(stream_arn: str, handled: int) -> int:
    """Drop the records of a table's stream up to `handled` (moto_fixes.trim_stream); how many."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from infra.moto_fixes import trim_stream

    table_name = stream_arn.split(":table/", 1)[1].split("/", 1)[0]
    return trim_stream(dynamodb_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].get_table(table_name), handled)


def _changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request may change what moto holds (S3 reads are GET/HEAD; the JSON protocols name the
    operation in X-Amz-Target)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return False
    operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    return not operation.startswith(READ_OPERATIONS)


class Keeper:
    """Keeps the state in `folder`: the WSGI app behind a request gate, each changing request in the journal
    before it is answered (infra/journal.py), and snapshots of it after changes."""

    def __init__(self, app: Callable[..., Any], folder: Path, journal: journal_file.Journal) -> None:
        self.app, self.folder, self.journal = app, folder, journal
        self.gate = local_state.RequestGate()
        self.writing = threading.Lock()  # changing requests one at a time: the journal's order is moto's
        self.changed = False
        self.longest_pause = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ReceiveMessage"):
            return self.app(environ, start_response)  # long polls wait in moto (RequestGate says why)
        with self.gate.request():
            if not _changes_state(environ):
                return self._answer(environ, start_response)
            request = journal_file.request_of(environ)
            statuses: list[str] = []

            def answered(status: str, headers: Any, exc_info: Any = None) -> Any:
                statuses.append(status)
                return start_response(status, headers, exc_info)

            with self.writing:
                self.changed = True
                answer = self._answer(environ, answered)
                if statuses and statuses[0][:1] in "23" and journal_file.replayable(environ):
                    self.journal.append(request)
            return answer

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.app(environ, start_response)
        try:
            return [b"".join(response)]  # all of moto's work inside the gate
        finally:
            getattr(response, "close", lambda: None)()

    def snapshot(self) -> tuple[int, int]:
        """Fork a child that writes the state as it is now, and start the journal that follows it; the
        child's pid and that journal's generation. New requests wait only while those inside finish
        (RequestGate.alone) and for the fork."""
        with self.gate.alone():
            self.changed = False
            self.journal = self.journal.rotate()
            server = os.getpid()
            child = os.fork()
            if child == 0:  # the copy: write it and leave, touching nothing the server's threads hold
                try:
                    _die_with(server)
                    local_state.save(self.folder, self.journal.generation)
                finally:
                    os._exit(0)
            self.longest_pause = max(self.longest_pause, time.monotonic() - self.gate.holding_since)
        return child, self.journal.generation

    def keep(self, stopped: threading.Event) -> None:
        due = 0.0  # (time.monotonic()) the next snapshot's earliest start
        while not stopped.wait(SNAPSHOT_EVERY):
            self.journal.sync()  # (for a power cut: the process's own death loses nothing written)
            if self.changed and time.monotonic() >= due:
                began = time.monotonic()
                child, generation = self.snapshot()
                _, status = os.waitpid(child, 0)
                if status:
                    print(f"moto_server: saving the state failed (status {status})", file=sys.stderr)
                else:
                    journal_file.drop_before(self.folder, generation)
                took = time.monotonic() - began
                due = began + took / SNAPSHOT_SHARE

    def last(self) -> None:
        with self.gate.alone():
            self.journal = self.journal.rotate()
            local_state.save(self.folder, self.journal.generation)
            journal_file.drop_before(self.folder, self.journal.generation)
            self.journal.close()


def _die_with(parent: int) -> None:
    """End this process when `parent` ends (Linux): a snapshot still being written after its server was
    killed could otherwise land over a newer one written by the next stack."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before that took effect
        os._exit(1)


def _restore(app: Callable[..., Any], data: Path) -> tuple[Keeper, bool]:
    """The saved state and the journal after it put into moto, and a keeper journaling on from there;
    whether there was anything to restore."""
    data.mkdir(parents=True, exist_ok=True)
    follows = local_state.load(data)
    written = journal_file.generations(data)
    replayed = journal_file.replay(data, follows or 0, app)
    keeper = Keeper(app, data, journal_file.Journal(data, max([follows or 0, *written]) + 1))
    keeper.changed = replayed > 0  # a snapshot soon takes the replayed journal in
    return keeper, follows is not None or replayed > 0


def serve(port: int, data: Path | None) -> None:
    """Serve until stdin closes; meanwhile answer `preload TABLE FILE` (JSON lines of items) and `pause`
    (the longest wait a snapshot caused, in seconds) on stdin."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from infra import moto_fixes

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops us by closing stdin
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    warnings.filterwarnings("ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle")
    moto_fixes.apply()
    app = DomainDispatcherApplication(create_backend_app)
    try:
        keeper, restored = _restore(app, data) if data is not None else (None, False)
    except local_state.UnreadableState as refused:
        print(f"refused {refused}", flush=True)
        raise SystemExit(3) from None
    server = make_server("127.0.0.1", port, keeper or app, threaded=True)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    stopped = threading.Event()
    keeping = threading.Thread(target=keeper.keep, args=(stopped,), name="keeper") if keeper else None
    if keeping is not None:
        keeping.start()
    print("ready restored" if restored else "ready", flush=True)  # requests queue until accepted
    for line in sys.stdin:
        command, *args = line.split()
        if command == "pause":
            print(f"pause {keeper.longest_pause if keeper else 0.0}", flush=True)
        elif command == "trim":  # trim ARN SEQ: every reader of the stream has handled up to SEQ
            arn, handled = args
            trimmed = trim(arn, int(handled))
            print(f"trimmed {trimmed}", flush=True)
            if keeper is not None and trimmed:
                keeper.changed = True
        elif command == "preload":
            table, path = args
            with (
                open(path, encoding="utf-8") as items,
                keeper.gate.alone() if keeper else contextlib.nullcontext(),
            ):
                print(f"loaded {put_items(table, map(json.loads, items))}", flush=True)
            if keeper is not None:
                keeper.changed = True
        else:
            raise SystemExit(f"moto_server: unknown command {command!r}")
    stopped.set()
    if keeper is not None and keeping is not None:
        keeping.join()  # a snapshot being written finishes first: the last one must be the newest
        keeper.last()
    server.shutdown()


class StateRefused(SystemExit):
    """The data folder's state cannot be read by this code (local_state.UnreadableState says why)."""


@dataclass
class MotoServer:
    endpoint: str
    child: subprocess.Popen[str]
    restored: bool = False  # started from a saved state

    asking: threading.Lock = field(default_factory=threading.Lock)

    def longest_pause(self) -> float:
        """The longest time a snapshot has held requests back so far, in seconds."""
        return float(self._ask("pause").split()[1])

    def trim(self, stream_arn: str, handled: str) -> int:
        """Drop the stream's records up to sequence number `handled`, which every reader has handled."""
        return int(self._ask(f"trim {stream_arn} {handled}").split()[1])

    def _ask(self, line: str) -> str:
        stdin, stdout = self.child.stdin, self.child.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("no pipe to moto's server")
        with self.asking:
            stdin.write(line + "\n")
            stdin.flush()
            return stdout.readline()

    def preload(self, table_name: str, items: Iterable[dict[str, Any]]) -> int:
        """Put items into a table without stream records (see put_items), in the server's process."""
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as file:
            file.writelines(json.dumps(item) + "\n" for item in items)
            file.flush()
            answer = self._ask(f"preload {table_name} {file.name}").split()
        if answer[:1] != ["loaded"]:
            raise RuntimeError(f"moto's server did not preload {table_name} (exit {self.child.poll()})")
        return int(answer[1])


@contextmanager
def running(port: int, data: Path | None = None) -> Iterator[MotoServer]:
    """The server on 127.0.0.1:`port`, started in a child process; keeping its state in `data` if given
    (StateRefused if what is there cannot be read)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    keep = ["--data", str(data)] if data is not None else []
    child = subprocess.Popen(
        [sys.executable, "-m", "infra.moto_server", "--port", str(port), *keep],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = child.stdout.readline().strip() if child.stdout is not None else ""
        if first.startswith("refused "):
            raise StateRefused(first.removeprefix("refused "))
        if first not in ("ready", "ready restored"):
            raise RuntimeError(f"moto's server did not start on 127.0.0.1:{port} (exit {child.wait()})")
        yield MotoServer(f"http://127.0.0.1:{port}", child, restored=first == "ready restored")
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=300)  # the last snapshot of a large state takes a while
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.moto_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, default=None, help="keep the state in this folder")
    args = parser.parse_args(argv)
    serve(args.port, args.data)


if __name__ == "__main__":
    main()
