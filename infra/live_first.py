"""Live first: while a live invocation runs, the bulk lane's AWS calls wait (up to MAX_WAIT_SECONDS each).

On AWS every invocation has a sandbox of its own and DynamoDB and S3 do not slow down for a busy neighbour,
so an import's bundles, related lists and bulk pages never slow a live publish. Here every function shares one
process (one interpreter lock) and one moto server; without this, a live publish would queue behind the
bulk lane's requests, which says nothing about the deployed stack. Bulk work still all gets done: it only
pauses at its next request while live work is in flight.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

MAX_WAIT_SECONDS = 2.0  # a bulk request never waits longer than this (a stream of live work cannot starve it)

_BULK: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk", default=False)  # this invocation's lane

Handler = Callable[[dict[str, Any], Any], Any]


class LiveFirst:
    def __init__(self) -> None:
        self._live = 0
        self._idle = threading.Condition()

    def live(self, handler: Handler, is_live: Callable[[dict[str, Any]], bool] = lambda _: True) -> Handler:
        """`handler`, counted as live work while it runs an event that `is_live`."""

        def run(event: dict[str, Any], context: Any) -> Any:
            if not is_live(event):
                return handler(event, context)
            with self._idle:
                self._live += 1
            try:
                return handler(event, context)
            finally:
                with self._idle:
                    self._live -= 1
                    self._idle.notify_all()

        return run

    @staticmethod
    def bulk(handler: Handler) -> Handler:
        """`handler`, whose requests (and those of the threads it hands work to) give way to live work."""

        def run(event: dict[str, Any], context: Any) -> Any:
            return contextvars.copy_context().run(_bulk_run, handler, event, context)

        return run

    def give_way(self, **_: Any) -> None:
        """botocore's before-send hook: a bulk request waits while live work runs."""
        if _BULK.get():
            with self._idle:
                self._idle.wait_for(lambda: self._live == 0, timeout=MAX_WAIT_SECONDS)


def _bulk_run(handler: Handler, event: dict[str, Any], context: Any) -> Any:
    _BULK.set(True)
    return handler(event, context)
