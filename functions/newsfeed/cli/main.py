"""`newsfeed`: the editor's command. Publishes to the local stack by default, or to `--stack NAME`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from newsfeed.cli import connection as stacks
from newsfeed.cli.archive import export_directory, import_directory, site_progress
from newsfeed.cli.connection import Connection, Target, connect_or_explain
from newsfeed.cli.local import LOCAL_STACK
from newsfeed.cli.offline import preview, problems_text, validate
from newsfeed.cli.photos import send_photos, verdicts
from newsfeed.models import limits
from newsfeed.models.site import article_path

if TYPE_CHECKING:
    from newsfeed.models.article import ArticleRecord

Verdict = Literal["accepted", "rejected", "late"]  # late: accepted, its page or feeds not there in time


def _outcome(connection: Connection, key: str, etag: str, *, waiting: bool) -> tuple[Verdict, str] | None:
    """(verdict, what to print) once the ingest has dealt with this version of the upload and a public
    article's page and feeds show it; None until then (while `waiting`)."""
    from newsfeed.models.article import Article
    from newsfeed.models.article_shape import ArticleStatus
    from newsfeed.models.text import format_utc

    report = connection.uploads.read_rejection(key)
    if report is not None and report.etag == etag:
        return "rejected", problems_text(report.problems)
    record = connection.table.articles.upload_record(key)
    if record is None or record.etag != etag or record.deleted:
        return None
    article = connection.table.articles.article_record(record.slug)
    url = f"{connection.site_url}/{article_path(record.slug)}"  # the article's page
    if isinstance(article, Article) and article.is_public:
        if behind := connection.behind(article):  # "published" is said once its page and feeds show it
            return None if waiting else ("late", f"published: {url}\n  - not yet in: {', '.join(behind)}")
        return "accepted", f"published: {url}"
    if isinstance(article, Article) and article.status is ArticleStatus.SCHEDULED:
        return "accepted", f"scheduled for {format_utc(article.published_at)} (not public until then): {url}"
    return "accepted", f"saved as draft (not public): {url}"


def publish(files: Sequence[Path], target: Target, timeout: float) -> int:
    """Upload each file to inbox/ and report what the ingest made of it."""
    from botocore.exceptions import BotoCoreError, ClientError

    connection = connect_or_explain(target)
    if connection is None:
        return 2
    pending: dict[str, tuple[Path, str]] = {}
    named: dict[str, Path] = {}  # upload key -> the file named first for it
    failed = 0
    for n, path in enumerate(files):
        key = f"{limits.UPLOAD_PREFIX}{path.name}"
        if key in named:  # one file name is one story (the ingest's rule): the second would replace it
            failed += 1
            print(
                f"rejected: {path}\n  - file: has the same file name as {named[key]}, named before it, "
                "and one file name is one story: rename one of them. It was not sent."
            )
            continue
        named[key] = path
        try:
            data = path.read_bytes()
        except OSError as error:
            failed += 1
            print(f"rejected: {path}\n  - file: {error.strerror}")
            continue
        try:
            photos, problems = send_photos(connection.uploads, path, key, data)
            problems += verdicts(connection.uploads, connection.table, photos, timeout).get(key, [])
            if problems:
                failed += 1
                print(f"rejected: {path}\n" + "\n".join(problems) + "\n  It was not sent.")
                continue
            pending[key] = (path, connection.uploads.upload(key, data))
        except (ClientError, BotoCoreError) as error:
            print(f"error: could not upload {path}: {error}", file=sys.stderr)
            for unsent in files[n:]:
                print(f"not sent: {unsent}")
            _report(connection, pending, timeout)
            return 2
    failed += _report(connection, pending, timeout)
    return 1 if failed else 0


def _report(connection: Connection, pending: dict[str, tuple[Path, str]], timeout: float) -> int:
    """Print what became of each upload sent, as it is known; how many were not accepted or not shown."""
    failed = 0
    deadline = time.monotonic() + timeout
    while pending:
        waiting = time.monotonic() < deadline
        for key, (path, etag) in list(pending.items()):
            if (outcome := _outcome(connection, key, etag, waiting=waiting)) is None:
                continue
            verdict, message = outcome
            failed += verdict != "accepted"
            lead = {
                "accepted": "",
                "late": f"timed out after {timeout:.0f}s: ",
                "rejected": f"rejected: {path}\n",
            }
            print(lead[verdict] + message)
            del pending[key]
        if not waiting:
            break
        if pending:
            time.sleep(0.1)
    for path, _ in pending.values():
        failed += 1
        print(f"timed out: {path}: no result after {timeout:.0f}s (is the stack's ingest running?)")
    return failed


def describe(record: ArticleRecord | None, slug: str, api_url: str) -> tuple[bool, list[str]]:
    """(found?, lines to print) for what is stored at a slug."""
    from newsfeed.models.article import Moved, Unpublished
    from newsfeed.models.text import format_utc

    url = f"{api_url}/{article_path(slug)}"
    if record is None:
        return False, [f"no article at '{slug}'"]
    if isinstance(record, Moved):
        return True, [
            f"slug:       {slug}",
            f"status:     moved to '{record.moved_to}' (answers 301)",
            f"id:         {record.id}",
        ]
    if isinstance(record, Unpublished):
        return True, [
            f"slug:       {slug}",
            "status:     unpublished (answers 410)",
            f"id:         {record.id}",
            f"since:      {format_utc(record.unpublished_at)}",
        ]
    return True, [
        f"slug:       {slug}",
        f"status:     {record.status}" + ("" if record.is_public else " (not public)"),
        *([f"due:        {format_utc(record.published_at)}"] if record.status == "scheduled" else []),
        f"id:         {record.id}",
        f"title:      {record.title}",
        f"revision:   {record.revision}",
        *([f"published:  {format_utc(record.published_at)}"] if record.is_public else []),
        f"updated:    {format_utc(record.updated_at)}",
        f"upload:     {record.source_key}",
        f"url:        {url}",
    ]


def progress(related: int, published: int) -> str:
    """How far the related lists have got: never more than all, final only when they are. (More related
    than published: an unpublish the related-lists function has still to follow.)"""
    state = "final" if related == published else "in progress"
    return f"{min(related, published)} of {published} ({state})"


def status(slug: str | None, target: Target) -> int:
    """What is stored at a slug: published, draft, unpublished or moved, and from which upload. Without a
    slug: how many articles are published, and how far their related lists have got."""
    connection = connect_or_explain(target)
    if connection is None:
        return 2
    if slug is None:
        published = connection.published()
        print(f"published:     {published} articles")
        print(f"related lists: {progress(connection.related(), published)}")
        print(f"pages, feeds:  {site_progress(connection.backlog(), connection.failed_bulk())}")
        return 0
    found, lines = describe(connection.table.articles.article_record(slug), slug, connection.api_url)
    print("\n".join(lines))
    return 0 if found else 1


def unpublish(slug: str, target: Target, timeout: float) -> int:
    """Take an article down by deleting its upload: the ingest leaves a 410 at the slug and the publisher
    removes it from every feed, exactly as when an editor deletes the file."""
    from newsfeed.models.article import Article, Moved, Unpublished

    connection = connect_or_explain(target)
    if connection is None:
        return 2
    record, url = connection.table.articles.article_record(slug), f"{connection.api_url}/{article_path(slug)}"
    if isinstance(record, Unpublished):
        print(f"already unpublished: {url} (answers 410)")
        return 0
    if isinstance(record, Moved):
        print(f"'{slug}' has moved to '{record.moved_to}'; unpublish that slug", file=sys.stderr)
        return 1
    if not isinstance(record, Article):
        print(f"no article at '{slug}'", file=sys.stderr)
        return 1
    connection.uploads.unpublish(record.source_key)
    deadline = time.monotonic() + timeout
    showing = ["the API"]
    while time.monotonic() < deadline:  # done when what it prints is true: out of the API, feeds and pages
        gone = isinstance(connection.table.articles.article_record(slug), Unpublished)
        if not (showing := connection.shows(record) if gone else ["the API"]):
            print(f"unpublished: {url} (answers 410; removed from every feed)")
            return 0
        time.sleep(0.1)
    print(
        f"timed out: deleted {record.source_key}, but after {timeout:.0f}s '{slug}' is still in "
        f"{', '.join(showing)} (is the stack's pipeline running?)"
    )
    return 1


def reindex_stack(target: Target) -> int:
    from newsfeed.cli.reindex import reindex

    connection = connect_or_explain(target)
    if connection is None:
        return 2
    reindex(connection.table)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except BrokenPipeError:
        # Whoever read the output stopped (`newsfeed status | head -1`): stop too, quietly, as `ls` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsfeed", description="Publish and check newsfeed articles.")
    commands = parser.add_subparsers(dest="command", required=True)

    stack = argparse.ArgumentParser(add_help=False)
    stack.add_argument(
        "--stack",
        default=LOCAL_STACK,
        help=f"CloudFormation stack to work on (default: the local stack, {LOCAL_STACK})",
    )
    stack.add_argument(
        "--endpoint-url",
        default=None,
        help="AWS endpoint (default for the local stack: $NEWSFEED_ENDPOINT_URL, else the one the running "
        "`make run` of this checkout serves; with none running, the command refuses)",
    )
    stack.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each result")

    publish_cmd = commands.add_parser(
        "publish", parents=[stack], help="upload articles and report the result of each"
    )
    publish_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    status_cmd = commands.add_parser(
        "status", parents=[stack], help="show what is stored at a slug; without one, the publication's state"
    )
    status_cmd.add_argument("slug", metavar="SLUG", nargs="?")
    unpublish_cmd = commands.add_parser(
        "unpublish", parents=[stack], help="take an article down (deletes its upload; the slug answers 410)"
    )
    unpublish_cmd.add_argument("slug", metavar="SLUG")

    import_cmd = commands.add_parser(
        "import",
        parents=[stack],
        help="import every article file under a directory (resumable; a summary at the end)",
    )
    import_cmd.add_argument("directory", type=Path, metavar="DIR")
    import_cmd.add_argument("--workers", type=int, default=8, help="bundles sent at once (default 8)")
    export_cmd = commands.add_parser(
        "export", parents=[stack], help="write every stored article to a directory, as `import` reads them"
    )
    export_cmd.add_argument("directory", type=Path, metavar="DIR")
    commands.add_parser(
        "reindex",
        parents=[stack],
        help="rebuild the search index from every published article, with progress",
    )

    validate_cmd = commands.add_parser("validate", help="check articles offline, with the ingest's rules")
    validate_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")

    preview_cmd = commands.add_parser(
        "preview", help="render articles' pages offline, with the ingest's rules and the site's theme"
    )
    preview_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    preview_cmd.add_argument(
        "--out", type=Path, default=Path("preview"), help="folder for the pages (default: ./preview)"
    )
    preview_cmd.add_argument("--site-name", help="the publication's name (default: $SITE_NAME)")
    preview_cmd.add_argument(
        "--site-url",
        help="the site the page links into (default: $SITE_URL, else the running make run's)",
    )

    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate(args.files)
    if args.command == "preview":  # links lead into the make run of this checkout, if one is running
        site_url = args.site_url or os.environ.get("SITE_URL") or stacks.running_local_site()
        return preview(args.files, args.out, args.site_name, site_url)
    target = Target(args.stack, args.endpoint_url)
    from botocore.exceptions import BotoCoreError, ClientError  # every command from here on talks to a stack
    from botocore.parsers import ResponseParserError  # (an answer that is not AWS's: a stack shutting down)

    try:
        if args.command == "status":
            return status(args.slug, target)
        if args.command == "unpublish":
            return unpublish(args.slug, target, args.timeout)
        if args.command == "import":
            return import_directory(args.directory, target, args.timeout, args.workers)
        if args.command == "export":
            return export_directory(args.directory, target)
        if args.command == "reindex":
            return reindex_stack(target)
        return publish(args.files, target, args.timeout)
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        hint = " (is `make run` still running?)" if target.stack == LOCAL_STACK else ""
        print(f"error: the stack '{target.stack}' stopped answering: {error}{hint}", file=sys.stderr)
        return 2
