"""The embedded local stack: the whole system on one machine, no AWS account (`make run`).

- moto, in a child process (infra/moto_server.py), is the AWS endpoint (S3, SQS, DynamoDB and its stream)
  on 127.0.0.1:<aws-port>;
- tables, buckets, queues and notifications are created from template.yaml;
- the real handlers run in this process, fed real-shaped events by pollers (Lambda's event source mappings);
- uvicorn serves, on 127.0.0.1:<port>, the site from the public bucket (CloudFront's part: pages, feeds,
  sitemap) and the API under /api (API Gateway's part); the site's URL is that address;
- the template's outputs are registered as the CloudFormation stack `newsfeed-local`, so the `newsfeed`
  command finds this stack exactly as it finds a deployed one;
- everything it holds is kept in a data folder (`--data`, `.newsfeed-data` by default): a restart starts
  from what was there (infra/local_state.py); `--fresh` starts over, once confirmed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import mimetypes
import os
import socket
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from infra import moto_server
from infra.event_sources import (
    Poller,
    ScheduleEventSource,
    Source,
    SqsEventSource,
    StreamEventSource,
    StreamTrimmer,
    event_sources,
    load_attribute,
    wait_until_idle,
)
from infra.live_first import RELATED, LiveFirst
from infra.local_state import DataInUse, data_folder, forget_interrupted_invocations, start_over
from infra.resources import Resources, create_resources
from infra.template import ROOT
from infra.web import API_PREFIX
from newsfeed.cli.connection import RunningStack
from newsfeed.cli.local import LOCAL_AWS_PORT, LOCAL_PORT, LOCAL_REGION, LOCAL_STACK
from newsfeed.dal import clients
from newsfeed.dal.items import is_bulk, is_imported
from newsfeed.models import limits
from newsfeed.models.upload import BundleFile, ImportBundle

SAMPLES = ROOT / "events" / "articles"
DATA = ROOT / ".newsfeed-data"  # make run's default data folder (ignored by git)
POSITIONS_BUCKET = f"{LOCAL_STACK}-event-source-positions"  # the pollers' own (StreamPositions)
SWITCH_INTERVAL = 0.0005  # seconds
STOP_GRACE_SECONDS = 5.0  # Ctrl-C waits this long at most for invocations in flight
MAX_QUEUE_POLLERS = 4  # the functions share this process: more would only wait for each other
# Bulk work's queues and their lanes (infra/live_first.py): import bundles; an import's pages and feeds. The
# related-lists function is a lane of its own too: relating 2,000 articles together reads the index in
# thousands of requests, which a live publish must not queue behind.
BULK_QUEUES = {"ImportQueue": "import", "BulkQueue": "bulk"}
LIVE_QUEUE = "IngestQueue"  # editors' uploads
LIVE_STREAM_READER = "PublisherFunction"  # its batches with a live change in them (dal.items.is_bulk)
RELATED_READER = "RelatedFunction"  # the bulk lane's pages wait for it too (infra/live_first.py)
log = logging.getLogger("newsfeed.local")


def imports_in(event: dict[str, Any]) -> bool:
    """A related-lists batch with an import's articles in it: the bulk lane's pages wait for it (not for one
    of the related lists landing on imported articles, which every publish sets off)."""
    return any(map(is_imported, event.get("Records", [])))


class PortInUse(SystemExit):
    pass


def check_port(port: int, option: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves bind (SO_REUSEADDR): connections of a stack just stopped, lingering in
        # TIME_WAIT, must not make the port look busy; a listening process still does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            raise PortInUse(
                f"error: port {port} on 127.0.0.1 is in use; pick another with {option}"
            ) from None


@dataclass
class LocalStack:
    port: int
    aws_port: int
    data: Path | None = None  # where the state is kept; None: nowhere (benchmarks)
    aws: moto_server.MotoServer | None = None  # while running

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def environment(self) -> None:
        """Point every boto3 client of this process at the embedded endpoint, with throwaway credentials."""
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": LOCAL_REGION,
                "AWS_REGION": LOCAL_REGION,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)

    def register_outputs(self, session: boto3.session.Session, resources: Resources) -> None:
        """The stack's outputs as of this run (a restored state has the last run's: its ports may differ)."""
        template = {
            "Resources": {"LocalStack": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {name: {"Value": value} for name, value in resources.outputs.items()},
        }
        cloudformation = session.client("cloudformation")
        if self.aws is not None and self.aws.restored:
            cloudformation.delete_stack(StackName=LOCAL_STACK)
        cloudformation.create_stack(StackName=LOCAL_STACK, TemplateBody=json.dumps(template))

    def pollers(self, session: boto3.session.Session, resources: Resources) -> list[Poller]:
        """One poller per event source, and for a queue as many as Lambda would run at once (its function's
        reserved concurrency, its mapping's MaximumConcurrency) up to MAX_QUEUE_POLLERS (a bulk import's
        bundles are applied side by side, as on AWS)."""
        from newsfeed import handlers

        handlers.reset()
        intervals = {StreamEventSource: 0.05, ScheduleEventSource: 0.25}  # SQS polls wait for messages
        concurrency = {spec.name: spec.concurrency for spec in resources.functions.values()}
        active = []
        positions = None
        if self.data is not None:
            s3 = session.client("s3")
            if POSITIONS_BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                s3.create_bucket(Bucket=POSITIONS_BUCKET)
            positions = POSITIONS_BUCKET
        scaling = {
            s.source: int(s.properties.get("ScalingConfig", {}).get("MaximumConcurrency", 1000))
            for s in resources.event_sources
        }
        gate = LiveFirst()
        clients.on_request(gate.give_way)
        for source in event_sources(session, resources, positions):
            live, lane = self.live_work(resources, source), self.bulk_lane(resources, source)
            if lane:
                source.handler = gate.bulk(source.handler, lane)
            elif getattr(source, "function", None) == RELATED_READER:
                source.handler = gate.live(gate.bulk(source.handler, RELATED), imports_in, RELATED)
            else:
                source.handler = gate.live(source.handler, live)
            copies = 1
            if isinstance(source, SqsEventSource):
                most = min(concurrency.get(source.function, 1), scaling.get(source.queue_url, 1000))
                copies = max(1, min(most, MAX_QUEUE_POLLERS))
            active += [Poller(source, interval=intervals.get(type(source), 0.1)) for _ in range(copies)]
        return active

    @staticmethod
    def live_work(resources: Resources, source: Source) -> Callable[[dict[str, Any]], bool]:
        """Which of a source's events are live work (infra/live_first.py)."""
        if isinstance(source, SqsEventSource) and source.queue_url == resources.physical.get(LIVE_QUEUE):
            return lambda _: True
        if isinstance(source, StreamEventSource) and source.function == LIVE_STREAM_READER:
            return lambda event: not all(map(is_bulk, event.get("Records", [])))
        return lambda _: False  # neither: the scheduler, photos, hub pings

    @staticmethod
    def bulk_lane(resources: Resources, source: Source) -> str | None:
        """The lane of a source of bulk work (infra/live_first.py), None for any other."""
        if isinstance(source, SqsEventSource):
            lanes = {resources.physical.get(queue): lane for queue, lane in BULK_QUEUES.items()}
            return lanes.get(source.queue_url)
        return None

    def publish_samples(self, session: boto3.session.Session, resources: Resources) -> list[str]:
        """Import events/articles/* through the real path (imports/ -> S3 event -> SQS -> ingest), the photos
        they name beside them (events/articles/photos/) uploaded and made first, as an editor's would be.
        Imported, not uploaded: an editor's upload or import of the same file name wins over a sample, so
        carrying an export over into a fresh stack (which has them) replaces them rather than clashing."""
        s3 = session.client("s3")
        photos = sorted(p for p in (SAMPLES / "photos").rglob("*") if p.is_file())
        for photo in photos:
            s3.put_object(
                Bucket=resources.outputs["UploadsBucketName"],
                Key=f"{limits.UPLOAD_PREFIX}{photo.relative_to(SAMPLES).as_posix()}",
                Body=photo.read_bytes(),
                ContentType=mimetypes.guess_type(photo.name)[0] or "application/octet-stream",
            )
        if photos:  # made before the articles are sent, as `newsfeed import` does: the bundle need not wait
            wait_until_idle(self.active)
        names = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in limits.UPLOAD_SUFFIXES)
        bundle = ImportBundle(
            files=[
                BundleFile(key=f"{limits.UPLOAD_PREFIX}{n}", body=(SAMPLES / n).read_text()) for n in names
            ]
        )
        s3.put_object(
            Bucket=resources.outputs["UploadsBucketName"],
            Key=f"{limits.IMPORT_PREFIX}samples/{uuid.uuid4()}.json",
            Body=bundle.model_dump_json(exclude_defaults=True).encode(),
        )
        return names

    def handle(self, resources: Resources) -> str:
        """The site's handle on the fediverse (followed over http here: docs/fediverse.md)."""
        from newsfeed.config import Settings

        settings = Settings.from_environ(next(iter(resources.functions.values())).environment)
        return f"@{settings.actor_name}@{self.host}"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def banner(self, resources: Resources, samples: list[str], restored: bool = False) -> str:
        out = resources.outputs
        return "\n".join(
            [
                "",
                f"newsfeed is running (local stack '{LOCAL_STACK}', AWS endpoint {self.endpoint}).",
                "",
                f"  site         {self.base_url}/   (front page; article pages at /articles/<slug>)",
                f"  API          {out['ApiUrl']}/articles   (and /articles/<slug>, /related, /revisions)",
                f"  API docs     {out['ApiUrl']}/docs   (OpenAPI: {out['ApiUrl']}/openapi.json)",
                f"  search       {self.base_url}/search?q=words   (API: {out['ApiUrl']}/search?q=words)",
                f"  fediverse    {self.handle(resources)}   (each section: @<its slug>@{self.host})",
                f"  feeds        {out['ApiUrl']}/feeds   (every feed's URL)",
                f"  RSS          {out['FeedsUrl']}/feeds/rss.xml",
                f"  Atom         {out['FeedsUrl']}/feeds/atom.xml",
                f"  JSON Feed    {out['FeedsUrl']}/feeds/feed.json",
                f"  uploads      s3://{out['UploadsBucketName']}/inbox/  (rejections appear under rejected/)",
                "",
                (
                    f"Started from the state kept in {self.data}."
                    if restored
                    else f"Published {len(samples)} sample articles from events/articles/."
                ),
                (
                    f"Everything is kept in {self.data} (make run FRESH=1 starts over)."
                    if self.data is not None
                    else "Nothing is kept: this stack starts empty next time."
                ),
                "Publish your own (in another terminal):",
                "  .venv/bin/newsfeed publish path/to/article.md",
                "",
                "Press Ctrl-C to stop.",
                "",
            ]
        )

    @contextmanager
    def running(self, prepare: Callable[[Resources], None] | None = None) -> Iterator[Resources]:
        """The stack, with its pollers started once `prepare` (if any) has set up content (benchmarks)."""
        self.environment()
        self.active: list[Poller] = []
        trimmer: StreamTrimmer | None = None
        with data_folder(self.data), moto_server.running(self.aws_port, self.data) as aws:
            self.aws = aws
            try:
                session = boto3.session.Session()
                urls = {"ApiUrl": self.base_url + API_PREFIX, "FeedsUrl": self.base_url}
                hubs = os.environ.get("NEWSFEED_WEBSUB_HUBS", "")  # never the internet's hubs unless asked
                webhooks = os.environ.get("NEWSFEED_WEBHOOK_URLS", "")  # e.g. a receiver on 127.0.0.1
                parameters = {"SiteUrl": self.base_url} | ({"WebhookUrls": webhooks} if webhooks else {})
                resources = create_resources(session, local_urls=urls, hubs=hubs, parameters=parameters)
                os.environ.update(next(iter(resources.functions.values())).environment)
                # On AWS the functions log every upload at INFO to CloudWatch; in a terminal that buries
                # the banner, so only warnings (rejected uploads, failures) show unless NEWSFEED_LOG_LEVEL
                # says more.
                os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("NEWSFEED_LOG_LEVEL", "WARNING")
                self.register_outputs(session, resources)
                if aws.restored:
                    forget_interrupted_invocations(session, resources)
                if prepare is not None:
                    prepare(resources)
                self.active = self.pollers(session, resources)
                for poller in self.active:
                    poller.start()
                trimmer = StreamTrimmer(self.active, aws.trim)
                trimmer.start()
                yield resources
            finally:
                if trimmer is not None:
                    trimmer.stop()
                for poller in self.active:
                    poller.stop()
                # Invocations in flight get a few seconds together, not each: a batch cut short is read again
                # on the next start, as Lambda retries one whose sandbox died.
                deadline = time.monotonic() + STOP_GRACE_SECONDS
                for poller in self.active:
                    poller.join(timeout=max(0.0, deadline - time.monotonic()))
                self.aws = None

    def ready(self, resources: Resources, samples: list[str], restored: bool, running: RunningStack) -> None:
        """The front door accepts connections: say so, and let this checkout's CLI find the stack."""
        running.announce()
        print(self.banner(resources, samples, restored), flush=True)

    def serve(self, samples: bool = True) -> None:
        # Every function shares this interpreter: a thread back from a request waits for the lock at most
        # this long, not 5 ms, while others compute (a live publish makes dozens of requests).
        sys.setswitchinterval(SWITCH_INTERVAL)
        import uvicorn

        from infra.web import MAX_REQUEST_HEAD_BYTES, FrontDoor, FrontDoorProtocol, by_prefix, local_site
        from newsfeed.api.fediverse import PREFIX as FEDIVERSE_PREFIX
        from newsfeed.dal.public import PublicBucket

        with self.running() as resources:
            session = boto3.session.Session()
            api = by_prefix(
                load_attribute(resources.functions["ApiFunction"].handler.rsplit(".", 1)[0] + ".app"),
                {
                    FEDIVERSE_PREFIX: load_attribute(
                        resources.functions["FediverseFunction"].handler.rsplit(".", 1)[0] + ".app"
                    )
                },
            )
            outputs = resources.outputs
            site = local_site(api, PublicBucket(outputs["PublicBucketName"]), outputs["SiteUrl"])
            restored = self.aws is not None and self.aws.restored
            names = self.publish_samples(session, resources) if samples and not restored else []
            wait_until_idle(
                self.active
            )  # samples ingested (or what was left to do when it stopped), feeds written
            running = RunningStack(endpoint=self.endpoint, site=outputs["SiteUrl"], pid=os.getpid())
            config = uvicorn.Config(
                site,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
                http=FrontDoorProtocol,
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
            )
            server = FrontDoor(config, ready=lambda: self.ready(resources, names, restored, running))
            try:
                with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after shutting down
                    server.run()
            finally:
                running.unregister()
        print("newsfeed stopped.", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.local_stack", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("NEWSFEED_PORT", LOCAL_PORT)),
        help=f"API and feeds port (default {LOCAL_PORT}, or $NEWSFEED_PORT)",
    )
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(os.environ.get("NEWSFEED_AWS_PORT", LOCAL_AWS_PORT)),
        help=f"embedded AWS endpoint port (default {LOCAL_AWS_PORT}, or $NEWSFEED_AWS_PORT)",
    )
    parser.add_argument(
        "--no-samples", action="store_true", help="start empty instead of publishing events/articles"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("NEWSFEED_DATA", DATA)),
        help=f"where the stack keeps its state (default {DATA.name} in the checkout, or $NEWSFEED_DATA)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete what the data folder keeps, once confirmed, and start over",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    warnings.filterwarnings("ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    try:
        check_port(args.port, "--port (make run PORT=...)")
        check_port(args.aws_port, "--aws-port (make run AWS_PORT=...)")
    except PortInUse as busy:
        print(busy.code, file=sys.stderr)
        raise SystemExit(2) from None
    if args.fresh and not start_over(args.data):
        raise SystemExit(1)
    try:
        LocalStack(port=args.port, aws_port=args.aws_port, data=args.data).serve(samples=not args.no_samples)
    except (DataInUse, moto_server.StateRefused) as refused:
        print(refused.code, file=sys.stderr)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
