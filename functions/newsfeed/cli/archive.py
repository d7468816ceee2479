"""The archive commands: `newsfeed import` (then following the related-lists function until every list is
final, and the bulk lane until the import's pages and feeds are written) and `newsfeed export`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.cli.connection import Connection, Target, connect_or_explain

if TYPE_CHECKING:
    from newsfeed.models.backlog import Backlog

HIDDEN_SHOWN = 10  # skipped hidden files named one by one; the rest are counted
MEANING = {  # what an outcome means, where its word alone does not say
    "stale": " (not applied: the stack already has a newer upload of the same file name, which wins)",
    "unchanged": " (the stack already holds these exactly)",
}


def import_directory(root: Path, target: Target, timeout: float, workers: int) -> int:
    """Import every article file under `root`, resumably; a progress bar, then a summary."""
    from tqdm import tqdm

    from newsfeed.cli.transfer import STATE_FILE, Importer, hidden_files, source_files

    if not root.is_dir():
        print(f"error: {root} is not a directory", file=sys.stderr)
        return 2
    connection = connect_or_explain(target)
    if connection is None:
        return 2
    total = sum(1 for _ in source_files(root))
    with tqdm(total=total, unit="article", desc="importing", dynamic_ncols=True) as bar:
        importer = Importer(
            connection.uploads, connection.table, root, workers=workers, on_progress=bar.update
        )
        summary = importer.run(timeout)
    rate = (summary.total - summary.skipped - summary.pending) / summary.seconds if summary.seconds else 0.0
    print(f"{summary.total} files in {root}: {summary.accepted} accepted, {len(summary.rejected)} rejected")
    if summary.skipped:
        print(f"  {summary.skipped} were imported by an earlier run and have not changed (skipped)")
    hidden = hidden_files(root)
    for name in hidden[:HIDDEN_SHOWN]:
        print(f"skipped: {name} (hidden: its name or a folder's starts with a dot)")
    if len(hidden) > HIDDEN_SHOWN:
        print(f"skipped: {len(hidden) - HIDDEN_SHOWN} more hidden files")
    for outcome, count in sorted(summary.outcomes.items()):
        print(f"  {outcome}: {count}" + MEANING.get(outcome, ""))
    if summary.seconds:
        print(f"  {rate:.0f} articles/s ({summary.seconds:.1f} s)")
    for name, problems in summary.rejected:
        print(f"rejected: {name}\n" + "\n".join(f"  - {problem}" for problem in problems))
    if summary.pending:
        print(
            f"timed out: {summary.pending} files have no result yet after {timeout:.0f}s without progress; "
            f"run the same command again to continue (progress is kept in {root / STATE_FILE})"
        )
    elif summary.accepted:
        follow_related(connection, timeout)
        follow_site(connection, timeout)
    return 1 if summary.rejected or summary.pending else 0


def export_directory(root: Path, target: Target) -> int:
    """Write every stored article under `root` as a JSON upload (what `newsfeed import` reads)."""
    from tqdm import tqdm

    from newsfeed.cli.export import export, sent_photos

    connection = connect_or_explain(target)
    if connection is None:
        return 2
    with tqdm(unit="article", desc="exporting", dynamic_ncols=True) as bar:
        count = export(connection.table, root, bar.update, sent_photos(connection.uploads, connection.table))
    print(f"exported {count} articles to {root}")
    return 0


def site_progress(backlog: Backlog, failed: int = 0) -> str:
    """How far the pages and feeds of bulk work (an import, related lists) have got; `failed`: messages of
    that work in the bulk lane's dead-letter queue, which no retry will write."""
    if backlog.done:
        return "up to date"
    left = f"{max(backlog.pages, 0)} pages and {max(backlog.scopes, 0)} feeds still to write"
    if failed:
        batches = "1 batch" if failed == 1 else f"{failed} batches"
        return f"{left}; {batches} of it failed (docs/operating.md: bulk work that failed)"
    return f"{left} (in progress)"


# Following what an import set off waits at least this long without progress, whatever `--timeout` says (the
# wait for each file's result): the related-lists function relates up to 2,000 articles in one go and counts
# them in at the end, and a 2,000-article batch showed nothing for 35-75 s on the local stack.
FOLLOW_AT_LEAST_SECONDS = 300.0
# The import's pages and feeds: what the bulk lane was handed by the end of the slot after the one its related
# lists were final in (5-10 s later): the publisher hands over the last lists they wrote within seconds.
SETTLE_SLOTS = 1


def follow_site(connection: Connection, timeout: float) -> None:
    """After the related lists: a bar while the bulk lane writes the import's pages and feeds, until they are
    all written (live work handed over since may still be) or the import's have not moved for `timeout`
    seconds (FOLLOW_AT_LEAST_SECONDS at least)."""
    from tqdm import tqdm

    patience = max(timeout, FOLLOW_AT_LEAST_SECONDS)
    backlog = connection.backlog()
    last = _clock(backlog) + SETTLE_SLOTS
    left, moved = _left(backlog, last), time.monotonic()
    with tqdm(total=max(backlog.pages, 0), unit="page", desc="writing pages", dynamic_ncols=True) as bar:
        while time.monotonic() - moved < patience and not _written(backlog, last):
            time.sleep(1.0)
            now = connection.backlog()
            bar.total = max(bar.total, now.pages)
            bar.update(max(0, backlog.pages - max(now.pages, 0)))
            if _left(now, last) != left:
                left, moved = _left(now, last), time.monotonic()
            backlog = now
    if _written(backlog, last):
        print("pages and feeds: all written")
    else:
        said = site_progress(backlog, connection.failed_bulk())
        print(f"pages and feeds: {said}; `newsfeed status` shows how far they have got")


def _left(backlog: Backlog, last: int) -> dict[int, int]:
    return {handed: count for handed, count in backlog.slots.items() if handed <= last}


def _written(backlog: Backlog, last: int) -> bool:
    """Everything handed over up to slot `last` is written, and that slot is over by the table's clock."""
    return _clock(backlog) > last and backlog.written_until(last)


def _clock(backlog: Backlog) -> int:
    """The slot the backlog was read in: by the table's clock, or by ours if it did not say."""
    from newsfeed.models.backlog import slot

    return backlog.read_in if backlog.read_in is not None else slot(time.time())


def _followed_past(connection: Connection, ended: int) -> bool:
    """The related-lists function has followed a change from a slot after `ended`: every change before it,
    the import's, in the stream's order. (Live publishes during an import keep the counts from meeting.)"""
    from newsfeed.models.backlog import slot

    until = connection.related_until()
    return until is not None and slot(until) > ended


def follow_related(connection: Connection, timeout: float) -> None:
    """After an import: a bar while the related-lists function works through it, until every list is final
    (pages and /related answers final too) or nothing has moved for `timeout` seconds
    (FOLLOW_AT_LEAST_SECONDS at least)."""
    from tqdm import tqdm

    patience = max(timeout, FOLLOW_AT_LEAST_SECONDS)
    published, related = connection.published(), connection.related()
    ended = _clock(connection.backlog())  # every change of the import is in the stream by now
    moved, final, at_end = time.monotonic(), False, published
    shown = min(
        related, published
    )  # (more related than published: unpublished articles still to be followed)
    with tqdm(total=published, initial=shown, unit="article", desc="relating", dynamic_ncols=True) as bar:
        while time.monotonic() - moved < patience:
            # (published counted again: the ingest may still have been adding to the site's list)
            if related == published == (published := connection.published()):
                final = True
                break
            if _followed_past(connection, ended):  # (published since: related after the import's)
                final, published = True, at_end
                break
            time.sleep(1.0)
            if (now := connection.related()) != related:
                bar.total, moved = published, time.monotonic()
                bar.update(min(now, published) - min(related, published))
                related = now
    if final:
        print(f"related lists: final for all {published} articles")
    else:
        print(
            f"related lists: {min(related, published)} of {published} so far; `newsfeed status` shows how "
            "far they have got"
        )
