"""Live first: while a live invocation runs, bulk work's AWS calls wait (up to MAX_WAIT_SECONDS each), and at
most IN_FLIGHT of an import's or of the bulk lane's are at the moto server at once.

On AWS every invocation has a sandbox of its own and DynamoDB and S3 do not slow down for a busy neighbour,
so an import's bundles, related lists and bulk pages never slow a live publish. Here every function shares one
process (one interpreter lock) and one moto server; without this, a live publish would queue behind the
bulk lane's requests, which says nothing about the deployed stack. Bulk work still all gets done: it only
pauses at its next request while live work is in flight, and its requests queue here rather than inside
moto (which serves them one interpreter at a time whatever their number: more in flight only makes a live
request wait longer behind them). The related-lists function's requests give way to live work as well; and
while it relates an import's articles, the bulk lane's pages wait for it: an imported article's page is
written again once its related list lands, so writing it sooner only takes the CPU the related lists need.
"""

from __future__ import annotations

import contextvars
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.httpsession import URLLib3Session

from newsfeed.dal.clients import POOL_CONNECTIONS

MAX_WAIT_SECONDS = 2.0  # a bulk request never waits longer than this (a stream of live work cannot starve it)
IN_FLIGHT = 2  # each bulk lane's requests at moto at once: import bundles; an import's pages and feeds
# This invocation's lane: None (live, or neither), or the name of a bulk lane ("import", "bulk", "related").
_LANE: contextvars.ContextVar[str | None] = contextvars.ContextVar("lane", default=None)
LIVE, RELATED = "live", "related"  # the kinds of work a bulk lane gives way to
GIVES_WAY_TO = {"import": {LIVE}, "bulk": {LIVE, RELATED}, RELATED: {LIVE}}
# The related-lists function's own concurrency (8 requests) is not capped: it waits for each answer before it
# goes on, and relating 2,000 articles took 360 s with 2 at once, 305 s without a cap (one run each).
UNCAPPED = {RELATED}

Handler = Callable[[dict[str, Any], Any], Any]


class LiveFirst:
    def __init__(self) -> None:
        self._running: Counter[str] = Counter()  # invocations of each kind of work bulk gives way to
        self._idle = threading.Condition()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._http = URLLib3Session(max_pool_connections=POOL_CONNECTIONS)

    def live(
        self, handler: Handler, is_live: Callable[[dict[str, Any]], bool] = lambda _: True, kind: str = LIVE
    ) -> Handler:
        """`handler`, counted as work of `kind` while it runs an event that `is_live`."""

        def run(event: dict[str, Any], context: Any) -> Any:
            if not is_live(event):
                return handler(event, context)
            with self._idle:
                self._running[kind] += 1
            try:
                return handler(event, context)
            finally:
                with self._idle:
                    self._running[kind] -= 1
                    self._idle.notify_all()

        return run

    @staticmethod
    def bulk(handler: Handler, lane: str = "bulk") -> Handler:
        """`handler`, whose requests (and those of the threads it hands work to) give way to live work."""

        def run(event: dict[str, Any], context: Any) -> Any:
            return contextvars.copy_context().run(_in_lane, lane, handler, event, context)

        return run

    def give_way(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        """botocore's before-send hook: a bulk request waits while work it gives way to runs, then is sent
        here in one of its lane's slots (its answer is the response); other requests are left to botocore."""
        if (lane := _LANE.get()) is None:
            return None
        waits_for = GIVES_WAY_TO.get(lane, {LIVE})
        with self._idle:
            self._idle.wait_for(
                lambda: not any(self._running[kind] for kind in waits_for), timeout=MAX_WAIT_SECONDS
            )
        if lane in UNCAPPED:
            return self._http.send(request)
        with self._lock:
            slots = self._slots.setdefault(lane, threading.BoundedSemaphore(IN_FLIGHT))
        with slots:
            return self._http.send(request)


def _in_lane(lane: str, handler: Handler, event: dict[str, Any], context: Any) -> Any:
    _LANE.set(lane)
    return handler(event, context)
