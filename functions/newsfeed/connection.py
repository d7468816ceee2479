"""The stack the `newsfeed` command works on: found through its CloudFormation outputs, on AWS or on the
local stack's embedded endpoint."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.public import PublicBucket
    from newsfeed.dal.uploads import UploadBucket
    from newsfeed.models.article import Article

LOCAL_STACK = "newsfeed-local"
LOCAL_ENDPOINT = "http://127.0.0.1:4566"
# Where a running `make run` says which endpoint it serves (any port it was given): in the checkout.
RUNNING_FILE = Path(__file__).resolve().parents[2] / ".newsfeed-local.json"


def _running_local(key: str) -> str | None:
    try:
        running = json.loads(RUNNING_FILE.read_text(encoding="utf-8"))
        os.kill(int(running["pid"]), 0)  # signal 0: only asks whether the process exists
        return str(running[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_local_endpoint() -> str | None:
    """The AWS endpoint of the local stack running from this checkout, if one is (its process alive)."""
    return _running_local("endpoint")


def running_local_site() -> str | None:
    """The site URL of the local stack running from this checkout, if one is."""
    return _running_local("site")


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

    def shows(self, article: Article) -> list[str]:
        """The public files that still show `article`: its page, and the feeds of its scopes that list it
        (an empty list once a takedown has reached them all)."""
        from newsfeed.logic.articles import article_scopes
        from newsfeed.logic.feed_paths import FeedFormat, article_page_path, feed_path

        paths = [feed_path(s, fmt) for s in article_scopes(article) if s.has_feed for fmt in FeedFormat]
        item = f"urn:uuid:{article.id}".encode()
        showing = [path for path in paths if (file := self.public.read(path)) and item in file.body]
        return showing + (
            [article_page_path(article.slug)] if self.public.read(article_page_path(article.slug)) else []
        )

    def published(self) -> int:
        """How many articles are published (a Query that counts the site's list: not to be asked often)."""
        from newsfeed.models.scope import SITE

        return self.table.count(SITE)

    def related(self) -> int:
        """How many articles the related-lists function has related (one GetItem): every list is final once
        this reaches `published()`."""
        from newsfeed.dal.related import RelatedIndexTable

        return RelatedIndexTable(self.table.table, self.table.client).corpus().articles


def connect(target: Target) -> Connection:
    """The stack's uploads bucket, content table and API URL, found through its CloudFormation outputs."""
    import boto3

    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.public import PublicBucket
    from newsfeed.dal.stack import stack_outputs
    from newsfeed.dal.uploads import UploadBucket

    endpoint = target.endpoint_url
    if target.stack == LOCAL_STACK and endpoint is None:
        endpoint = os.environ.get("NEWSFEED_ENDPOINT_URL") or running_local_endpoint() or LOCAL_ENDPOINT
    if endpoint:  # the local stack takes any credentials; never send real ones there
        session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            region_name="us-east-1",
        )
    else:
        session = boto3.session.Session()
    outputs = stack_outputs(session.client("cloudformation", endpoint_url=endpoint), target.stack)
    return Connection(
        uploads=UploadBucket(outputs.uploads_bucket, session.client("s3", endpoint_url=endpoint)),
        table=ContentTable(outputs.content_table, session.client("dynamodb", endpoint_url=endpoint)),
        api_url=outputs.api_url,
        site_url=outputs.site_url,
        public=PublicBucket(outputs.public_bucket, session.client("s3", endpoint_url=endpoint)),
    )


def connect_or_explain(target: Target) -> Connection | None:
    from botocore.exceptions import BotoCoreError

    from newsfeed.dal.stack import StackNotFound

    try:
        return connect(target)
    except (StackNotFound, BotoCoreError) as error:
        hint = " (start it with `make run`)" if target.stack == LOCAL_STACK else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return None
