"""The stack the `newsfeed` command works on: found through its CloudFormation outputs, on AWS or on the
local stack's embedded endpoint."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.cli.local import LOCAL_REGION, LOCAL_STACK

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.public import PublicBucket, PublicFile
    from newsfeed.dal.uploads import UploadBucket
    from newsfeed.models.article import Article
    from newsfeed.models.backlog import Backlog

# Where each running `make run` of this checkout says which endpoint it serves (any ports it was given): one
# file per stack, named by its process id, written when it is ready and deleted by that stack alone.
RUNNING_DIR = Path(__file__).resolve().parents[3] / ".newsfeed-running"


@dataclass(frozen=True)
class RunningStack:
    endpoint: str  # its AWS endpoint
    site: str  # its site URL
    pid: int

    @property
    def file(self) -> Path:
        return RUNNING_DIR / f"{self.pid}.json"

    def announce(self) -> None:
        RUNNING_DIR.mkdir(exist_ok=True)
        for path in RUNNING_DIR.glob("*.json"):  # left by stacks that were killed
            if path.stem.isdigit() and not _alive(int(path.stem)):
                path.unlink(missing_ok=True)
        scratch = self.file.with_suffix(".tmp")
        scratch.write_text(json.dumps(vars(self)), encoding="utf-8")
        os.replace(scratch, self.file)

    def unregister(self) -> None:
        self.file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether a local stack still runs as `pid`: the process exists and, where /proc tells, is a local
    stack (a killed stack's file may name a process id that has since been given to another program)."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        pass  # it exists, as another user's process
    try:
        return b"infra.local_stack" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc here: the process id is all there is to go on


def running_local_stacks() -> list[RunningStack]:
    """The local stacks running from this checkout (their processes alive), by port."""
    found = []
    for path in sorted(RUNNING_DIR.glob("*.json")):
        try:
            stack = RunningStack(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if isinstance(stack.pid, int) and path == stack.file and _alive(stack.pid):  # damaged: passed over
            found.append(stack)
    return sorted(found, key=lambda stack: stack.site)


def running_local_site() -> str | None:
    """The site URL of the local stack running from this checkout, if exactly one is."""
    stacks = running_local_stacks()
    return stacks[0].site if len(stacks) == 1 else None


class NoLocalStack(Exception):
    """No local stack of this checkout to talk to, or several: the command never guesses which."""


def local_endpoint() -> str:
    """The endpoint of the one local stack running from this checkout; else NoLocalStack saying what to do."""
    stacks = running_local_stacks()
    if not stacks:
        raise NoLocalStack(
            "no local stack of this checkout is running: start one with `make run` "
            "(or name a stack with --endpoint-url or --stack)"
        )
    if len(stacks) > 1:
        choices = ", ".join(f"--endpoint-url {s.endpoint} (site {s.site})" for s in stacks)
        raise NoLocalStack(
            f"{len(stacks)} local stacks of this checkout are running: choose one with {choices}"
        )
    return stacks[0].endpoint


@dataclass
class Target:
    stack: str
    endpoint_url: str | None


@dataclass
class Connection:
    uploads: UploadBucket
    table: ContentTable
    api_url: str
    site_url: str
    public: PublicBucket
    bulk_dead_letters: str | None = None  # the queue of the bulk lane's failed work
    sqs: SQSClient | None = None

    def shows(self, article: Article) -> list[str]:
        """The public files that still show `article`: its page, and the feeds of its scopes that list it
        (an empty list once an unpublish has reached them all)."""
        from newsfeed.logic.articles import article_scopes
        from newsfeed.logic.site.paths import FeedFormat, article_page_path, feed_path

        paths = [feed_path(s, fmt) for s in article_scopes(article) if s.has_feed for fmt in FeedFormat]
        item = f"urn:uuid:{article.id}".encode()
        showing = [path for path in paths if (file := self.public.read(path)) and item in file.body]
        return showing + (
            [article_page_path(article.slug)] if self.public.read(article_page_path(article.slug)) else []
        )

    def behind(self, article: Article) -> list[str]:
        """The public files that do not show this revision of a public article yet: its page, and each feed
        of its scopes that should list it (one the article is too old for does not). The JSON Feed stands
        for its scope's feeds: the publisher writes it after the RSS and Atom files."""
        from newsfeed.logic.articles import article_scopes
        from newsfeed.logic.site.paths import FeedFormat, article_page_path, feed_path
        from newsfeed.models.text import format_utc

        modified, published = format_utc(article.updated_at), format_utc(article.published_at)
        page = self.public.read(article_page_path(article.slug))
        behind = [] if page and modified.encode() in page.body else [article_page_path(article.slug)]
        for scope in article_scopes(article):
            path = feed_path(scope, FeedFormat.JSON)
            if scope.has_feed and not _lists(self.public.read(path), article.id, modified, published):
                behind.append(path)
        return behind

    def published(self) -> int:
        """How many articles are published (a Query that counts the site's list: not to be asked often)."""
        from newsfeed.models.scope import SITE

        return self.table.lists.count(SITE)

    def related(self) -> int:
        """How many articles the related-lists function has related (one GetItem): every list is final once
        this reaches `published()`."""
        from newsfeed.dal.related_index import RelatedIndexTable

        return RelatedIndexTable(self.table.table, self.table.client).corpus().articles

    def related_until(self) -> float | None:
        """Up to when (epoch seconds, by the stream's clock) the related-lists function has followed the
        content table's changes (one GetItem)."""
        from newsfeed.dal.related_index import RelatedIndexTable

        return RelatedIndexTable(self.table.table, self.table.client).handled_until()

    def failed_bulk(self) -> int:
        """How many messages of the bulk lane's work failed for good (one GetQueueAttributes; 0 if the stack
        does not say where they go, or these credentials may not read that queue)."""
        from botocore.exceptions import ClientError

        from newsfeed.dal.queues import messages_in

        if not self.bulk_dead_letters:
            return 0
        try:
            return messages_in(self.bulk_dead_letters, self.sqs)
        except ClientError:
            return 0

    def backlog(self) -> Backlog:
        """What the bulk lane has still to write: pages, and scopes' feeds (one GetItem)."""
        from newsfeed.dal.bulk_lane import BacklogCounter

        return BacklogCounter(self.table.table, self.table.client).now()


def connect(target: Target) -> Connection:
    """The stack's uploads bucket, content table and API URL, found through its CloudFormation outputs."""
    import boto3
    from botocore.config import Config

    from newsfeed.dal.clients import POOL_CONNECTIONS
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.public import PublicBucket
    from newsfeed.dal.stack import stack_outputs
    from newsfeed.dal.uploads import UploadBucket

    endpoint = target.endpoint_url
    if target.stack == LOCAL_STACK and endpoint is None:
        endpoint = os.environ.get("NEWSFEED_ENDPOINT_URL") or local_endpoint()
    if endpoint:  # the local stack takes any credentials; never send real ones there
        session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            region_name=LOCAL_REGION,
        )
    else:
        session = boto3.session.Session()
    config = Config(max_pool_connections=POOL_CONNECTIONS)  # `import --workers` sends bundles side by side
    outputs = stack_outputs(session.client("cloudformation", endpoint_url=endpoint), target.stack)
    return Connection(
        uploads=UploadBucket(
            outputs.uploads_bucket, session.client("s3", endpoint_url=endpoint, config=config)
        ),
        table=ContentTable(
            outputs.content_table, session.client("dynamodb", endpoint_url=endpoint, config=config)
        ),
        api_url=outputs.api_url,
        site_url=outputs.site_url,
        public=PublicBucket(
            outputs.public_bucket, session.client("s3", endpoint_url=endpoint, config=config)
        ),
        bulk_dead_letters=outputs.bulk_dead_letters,
        sqs=session.client("sqs", endpoint_url=endpoint),
    )


def connect_or_explain(target: Target) -> Connection | None:
    from botocore.exceptions import BotoCoreError

    from newsfeed.dal.stack import StackNotFound

    try:
        return connect(target)
    except NoLocalStack as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    except (StackNotFound, BotoCoreError) as error:
        hint = " (start it with `make run`)" if target.stack == LOCAL_STACK else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return None


def _lists(feed: PublicFile | None, article_id: str, modified: str, published: str) -> bool:
    """Whether a JSON Feed shows this revision of an article, or lists only newer ones without it (a feed
    shows a scope's newest articles; one older than all of them is not waited for)."""
    try:
        items = json.loads(feed.body)["items"] if feed else []
        by_id = {item["id"]: item for item in items}
    except (ValueError, KeyError, TypeError):
        return False
    if (item := by_id.get(f"urn:uuid:{article_id}")) is not None:
        return bool(item.get("date_modified") == modified)
    return bool(items) and min(str(item.get("date_published", "")) for item in items) > published
