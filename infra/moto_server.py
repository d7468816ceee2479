"""moto's server for the local stack, in a process of its own (`python -m infra.moto_server --port N`).

On AWS, S3, SQS and DynamoDB do not share a CPU with the functions; in one process they shared one
interpreter lock, so every request the functions made waited for the functions' own Python and the other
way round (a bulk import spent half its time on each side, one after the other). The fixes in
infra/moto_fixes.py apply here, where moto runs. The server stops when its parent closes our stdin, which
also happens when the parent dies.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from infra.resources import REGION
from infra.template import ROOT


def put_items(table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """Put items straight into a table of the moto in this process, leaving no stream records: setting up
    an archive for a benchmark, not publishing it. Returns how many."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    count = 0
    try:
        for count, item in enumerate(items, 1):  # noqa: B007 - the count is the answer
            table.put_item(item)
    finally:
        table.stream_shard = shard
    return count


def serve(port: int) -> None:
    """Serve until stdin closes; meanwhile answer `preload TABLE FILE` (JSON lines of items) on stdin."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from infra import moto_fixes

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    warnings.filterwarnings("ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle")
    moto_fixes.apply()
    server = make_server("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=True)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    print("ready", flush=True)  # listening: requests queue until the thread accepts them
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the whole terminal's process group
        for line in sys.stdin:
            command, table, path = line.split()
            if command != "preload":
                raise SystemExit(f"moto_server: unknown command {command!r}")
            with open(path, encoding="utf-8") as items:
                print(f"loaded {put_items(table, map(json.loads, items))}", flush=True)
    server.shutdown()


@dataclass
class MotoServer:
    endpoint: str
    child: subprocess.Popen[str]

    def preload(self, table_name: str, items: Iterable[dict[str, Any]]) -> int:
        """Put items into a table without stream records (see put_items), in the server's process."""
        stdin, stdout = self.child.stdin, self.child.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("no pipe to moto's server")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as file:
            file.writelines(json.dumps(item) + "\n" for item in items)
            file.flush()
            stdin.write(f"preload {table_name} {file.name}\n")
            stdin.flush()
            answer = stdout.readline().split()
        if answer[:1] != ["loaded"]:
            raise RuntimeError(f"moto's server did not preload {table_name} (exit {self.child.poll()})")
        return int(answer[1])


@contextmanager
def running(port: int) -> Iterator[MotoServer]:
    """The server on 127.0.0.1:`port`, started in a child process."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-m", "infra.moto_server", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if child.stdout is None or child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"moto's server did not start on 127.0.0.1:{port} (exit {child.wait()})")
        yield MotoServer(f"http://127.0.0.1:{port}", child)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.moto_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args(argv).port)


if __name__ == "__main__":
    main()
