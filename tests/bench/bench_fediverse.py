"""Federation's costs (`python -m tests.bench fediverse`, run when named: about three minutes).

1. One publish with 1, 100 and 10,000 follower servers (moto in this process; the servers are one
   ThreadingHTTPServer on 127.0.0.1 answering 202 at 10,000 paths): deliveries received, and the AWS calls the
   delivery function made (fan-out Queries, SendMessageBatch, ReceiveMessage, DeleteMessage...), beside the
   publish's own (ingest, publisher, related lists). The follower servers are loaded straight into the table.
2. The inbox's time for a signed `Follow` (verify, replay check, store, queue the Accept) beside a bare
   GetItem of the same table (both through moto in this process, and outside moto's own time); the senders'
   keys are in the key cache, as they are after a server's first request.
3. Publish -> `Create` received by Fedify on the local stack (`make run`'s code in a subprocess, Fedify in
   another): from the S3 upload to the peer's event, 20 publishes, p50 and p95.

How this differs from the fediverse: real servers answer in 50-500 ms over TLS, not in a millisecond on
loopback, so real deliveries take longer in wall time (they run 10 at a time per batch; the calls and the
deliveries per publish are what does not change).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.bench.harness import Row, moto_stack, preload, timed
from tests.support.factories import markdown

SERVERS = (1, 100, 10_000)
FOLLOWS = 200
PUBLISHES = 20


@contextmanager
def receiver() -> Iterator[tuple[str, list[str]]]:
    """Every follower server's inbox on one port: (its base URL, the paths POSTed to)."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(self.path)
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def deliveries() -> list[Row]:
    from newsfeed.dal.keys import server_key

    rows = [Row("one publish to followers' servers (moto in-process)", "", "")]
    with moto_stack() as bench, receiver() as (base, received):
        table = bench.outputs["ContentTableName"]
        s3, uploads = bench.session.client("s3"), bench.outputs["UploadsBucketName"]
        loaded = 0
        for count in SERVERS:
            preload(
                table,
                [
                    {**server_key("kazpost", f"{base}/s{n}/inbox"), "followers": {"N": "1"}}
                    for n in range(loaded, count)
                ],
            )
            loaded = count
            received.clear()
            bench.calls.clear()
            s3.put_object(
                Bucket=uploads,
                Key=f"inbox/story-{count}.md",
                Body=markdown(title=f"Story for {count}").encode(),
            )
            bench.drain(*[s.function for s in bench.sources if s.function != "DeliveryFunction"])
            publish_calls = sum(bench.calls.counts.values())
            bench.calls.clear()
            wall, ours = timed(lambda: bench.drain("DeliveryFunction"))
            delivery_calls = sum(bench.calls.counts.values())
            top = ", ".join(f"{k.split('.')[1]} {v:,}" for k, v in bench.calls.counts.most_common(4))
            sent = f"{len(received):,} deliveries ({len(set(received)):,} servers)"
            rows.append(
                Row(
                    f"  {count:,} follower servers",
                    f"{sent}, {delivery_calls:,} AWS calls",
                    f"publish itself {publish_calls} calls; {top}; {wall:.1f} s ({ours:.1f} s outside moto)",
                )
            )
    return rows


def inbox() -> list[Row]:
    import json
    from datetime import UTC, datetime

    from starlette.testclient import TestClient

    from newsfeed.api.fediverse import PREFIX, FediverseSide, create_fediverse_app
    from newsfeed.dal import clients
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.federation import DeliveryQueue, FollowerStore, RemoteKeys, SeenSignatures
    from newsfeed.dal.keys import remote_key_key
    from newsfeed.logic.federation import signatures
    from newsfeed.models.fediverse import Fediverse
    from tests.support.factories import SITE

    with moto_stack() as bench:
        table_name = bench.outputs["ContentTableName"]
        table = ContentTable(table_name)
        their, ours = signatures.new_key_pem(), signatures.new_key_pem()
        actors = [f"https://social{n}.example/users/reader" for n in range(FOLLOWS)]
        preload(
            table_name,
            [
                {
                    **remote_key_key(f"{a}#main-key"),
                    "owner": {"S": a},
                    "pem": {"S": signatures.public_pem(their)},
                    "inbox": {"S": a.replace("/users/reader", "/inbox")},
                    "fetched_at": {"N": str(time.time())},
                }
                for a in actors
            ],
        )
        queue = bench.session.client("sqs").create_queue(QueueName="bench-accepts")["QueueUrl"]
        we = Fediverse(SITE, "kazpost")
        side = FediverseSide(
            we,
            table.lists,
            table.articles.article_by_id,
            FollowerStore(table_name),
            RemoteKeys(table_name),
            SeenSignatures(table_name),
            lambda: ours,
            DeliveryQueue(queue),
        )
        client = TestClient(create_fediverse_app(lambda: side), base_url=SITE.url)
        requests = []
        for n, actor in enumerate(actors):
            body = json.dumps(
                {"id": f"{actor}#f{n}", "type": "Follow", "actor": actor, "object": we.actor_id("kazpost")}
            ).encode()
            headers = signatures.sign(
                their, f"{actor}#main-key", "POST", we.shared_inbox, body=body, now=datetime.now(UTC)
            )
            headers.pop("Host")
            requests.append((body, headers))

        def follows() -> None:
            for body, headers in requests:
                assert client.post(f"{PREFIX}/ap/inbox", content=body, headers=headers).status_code == 202

        dynamodb = clients.dynamodb()

        def gets() -> None:
            for actor in actors:
                dynamodb.get_item(TableName=table_name, Key=remote_key_key(f"{actor}#main-key"))

        follow_wall, follow_ours = timed(follows)
        get_wall, get_ours = timed(gets)
        assert FollowerStore(table_name).servers("kazpost")[0]
    follow_ms, follow_ours_ms = follow_wall / FOLLOWS * 1000, follow_ours / FOLLOWS * 1000
    get_ms, get_ours_ms = get_wall / FOLLOWS * 1000, get_ours / FOLLOWS * 1000
    return [
        Row(
            f"inbox: a signed Follow, {FOLLOWS} senders (moto in-process)",
            f"{follow_ms:.1f} ms each ({follow_ours_ms:.1f} ms outside moto)",
            f"a bare GetItem {get_ms:.2f} ms ({get_ours_ms:.2f}); ratio {follow_wall / get_wall:.0f}x "
            f"({follow_ours / max(get_ours, 1e-9):.0f}x outside moto)",
        ),
    ]


def accepted(event: dict[str, Any]) -> bool:
    return bool(event["event"] == "Accept")


def created(title: str, event: dict[str, Any]) -> bool:
    return bool(event["event"] == "Create" and event["object"]["name"] == title)


def publish_to_create() -> list[Row]:
    from tests.support.fediverse import PEER_INSTALLED, Peer
    from tests.support.local import free_port, start_local_stack

    if not PEER_INSTALLED:
        return [Row("publish -> Create at Fedify on the local stack", "not measured", "needs npm ci")]
    stack = start_local_stack(free_port(), free_port())
    peer = Peer(free_port())
    try:
        handle = f"@kazpost@{stack.base.removeprefix('http://')}"
        peer.send(f"follow {handle}")
        peer.next(accepted, 30)
        s3, bucket = stack.uploads()
        seconds = []
        for n in range(PUBLISHES + 1):  # the first warms up the functions' imports and clients
            title = f"Fediverse probe {n}"
            start = time.perf_counter()
            s3.put_object(Bucket=bucket, Key=f"inbox/probe-{n}.md", Body=markdown(title=title).encode())
            peer.next(partial(created, title), 30)
            if n:
                seconds.append(time.perf_counter() - start)
            time.sleep(0.5)  # one publish at a time
    finally:
        peer.close()
        stack.process.kill()
        stack.process.wait()
    ordered = sorted(seconds)
    p50, p95 = statistics.median(seconds), ordered[round(0.95 * (len(ordered) - 1))]
    return [
        Row(
            f"publish -> Create received by Fedify, local stack, {PUBLISHES} publishes",
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
            "from the S3 upload; the feed's own p50 is the latency row's",
        )
    ]


def run() -> list[Row]:
    return [*deliveries(), *inbox(), *publish_to_create()]
