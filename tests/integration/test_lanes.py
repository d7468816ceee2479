"""Two lanes: live changes written by the publisher at once, bulk ones (an import's, related lists') handed to
the bulk lane; the archives end as the newest change of each article says whatever order the lanes take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.cli.archive import site_progress
from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.bulk_lane import BacklogCounter, BulkLane
from newsfeed.dal.content import ContentTable
from newsfeed.dal.keys import BACKLOG_KEY
from newsfeed.models.backlog import Backlog
from newsfeed.models.scope import Scope, ScopeKind
from tests.support import corpus
from tests.support.factories import article, markdown
from tests.support.moto import Stack
from tests.support.pipeline import run_import


def titles(stack: Stack, path: str = "feeds/rss.xml") -> list[str]:
    return [entry.title for entry in feedparser.parse(stack.feed(path)).entries]


def written(stack: Stack, path: str) -> bool:
    try:
        stack.feed(path)
    except stack.s3.exceptions.NoSuchKey:
        return False
    return True


def page(stack: Stack, slug: str) -> bool:
    return written(stack, f"articles/{slug}")


def test_a_live_publish_never_waits_for_an_import_and_the_bulk_lane_completes_it(
    stack: Stack, tmp_path: Path
) -> None:
    corpus.write_files(tmp_path / "ag", 120)
    run_import(stack, tmp_path / "ag")
    stack.put("live.md", markdown(title="Breaking news comes first", slug="live-first"))
    stack.drain("IngestFunction", "PublisherFunction", "RelatedFunction")  # not the bulk lane
    assert "Breaking news comes first" in titles(stack) and page(stack, "live-first")
    imported = [a.slug for a in ContentTable(stack.table).articles.all_articles() if a.slug != "live-first"]
    assert len(imported) >= 100 and not any(page(stack, slug) for slug in imported)
    waiting = BacklogCounter(stack.table).now()
    assert waiting.pages >= len(imported) and waiting.scopes >= 2

    stack.drain()
    assert BacklogCounter(stack.table).now() == Backlog(0, 0)
    assert all(page(stack, slug) for slug in imported)
    newest = ContentTable(stack.table).lists.newest_articles(Scope(ScopeKind.SITE), get_settings().feed_items)
    assert titles(stack) == [a.title for a in newest]


def test_a_live_change_in_a_batch_with_bulk_ones_is_written_before_they_are_handed_over(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus.write_files(tmp_path / "ag", 30)
    run_import(stack, tmp_path / "ag")
    stack.put("live.md", markdown(title="Breaking news comes first", slug="live-first"))
    stack.drain("IngestFunction")  # the import's changes and the live one wait in the stream together
    seen: list[tuple[bool, bool]] = []
    hand_over = BulkLane.hand_over

    def noting(lane: BulkLane, messages: Any) -> None:
        listed = written(stack, "feeds/rss.xml") and "Breaking news comes first" in titles(stack)
        seen.append((listed, page(stack, "live-first")))
        hand_over(lane, messages)

    monkeypatch.setattr(BulkLane, "hand_over", noting)
    stack.drain("PublisherFunction")
    assert seen == [(True, True)]  # one batch, its live change in the feeds and on its page already


def test_an_unpublish_during_an_import_leaves_at_once(stack: Stack, tmp_path: Path) -> None:
    stack.put("gone.md", markdown(title="To be taken down", slug="taken-down"))
    stack.drain()
    corpus.write_files(tmp_path / "ag", 60)
    run_import(stack, tmp_path / "ag")
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/gone.md")
    stack.drain("IngestFunction", "PublisherFunction")
    assert "To be taken down" not in titles(stack) and not page(stack, "taken-down")
    stack.drain()
    assert "To be taken down" not in titles(stack) and not page(stack, "taken-down")


# Each article's changes, as (stamp order, in the scope after it?), applied by two lanes in any order.
changes = st.lists(st.lists(st.booleans(), min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=changes, order=st.randoms(use_true_random=False))
def test_the_archive_ends_as_each_articles_newest_change_says_whatever_order_they_are_applied(
    stack: Stack, histories: list[list[bool]], order: object
) -> None:
    book = FeedBookkeeping(stack.table)
    scope = Scope(ScopeKind.SECTION, f"lanes-{abs(hash(str(histories))) % 10**9}")
    ops = []
    stamp = 0
    for n, history in enumerate(histories):
        card = article(n, title=f"A{n}").card()
        inside = False
        for now_inside in history:
            stamp += 1
            if now_inside != inside:  # a change that enters or leaves (others touch no archive)
                ops.append((card, now_inside, f"{stamp:040d}"))
            inside = now_inside
    order.shuffle(ops)  # type: ignore[attr-defined]
    for card, entering, at in ops:
        if entering:
            book.enter(scope, [card], {card.id: at})
        else:
            book.leave(scope, [card.id], {card.id: at})
    expected = {f"a{n}" for n, history in enumerate(histories) if history[-1]}
    members = book.seqs(scope, [article(n).id for n in range(len(histories))])
    pages = range(book.entered(scope) // book.page_size + 1)
    listed = {card.slug for number in pages for card in book.page(scope, number)}
    assert listed == expected and len(members) == len(expected)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    handed=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5)), max_size=12),
    written=st.lists(st.integers(0, 30), max_size=12),
)
def test_the_backlog_counts_each_slots_work_until_it_is_written_and_keeps_no_empty_slot(
    stack: Stack, handed: list[tuple[int, int]], written: list[int]
) -> None:
    """Work is counted in by the slot it was handed over in and out as it is written, in any order: each slot
    says how much of its work is left, and a slot whose work is all written is gone from the item."""
    import time

    from newsfeed.models.backlog import slot

    counter = BacklogCounter(stack.table)
    before = counter.now()
    assert not before.slots  # the examples before left every slot written (and no stray attribute counts)
    stack.dynamodb.update_item(
        TableName=stack.table,
        Key=BACKLOG_KEY,
        UpdateExpression="SET #odd = :n, #sup = :n, #huge = :n",
        ExpressionAttributeNames={"#odd": "slotx", "#sup": "slot\u00b2", "#huge": "slot" + "9" * 5000},
        ExpressionAttributeValues={":n": {"N": "3"}},
    )
    messages = [s for s, count in handed for _ in range(count)]
    for s, count in handed:
        counter.add(Backlog(pages=count, slots={s: count}))
    left = list(messages)
    for pick in written:
        if left:
            s = left.pop(pick % len(left))
            counter.add(Backlog(pages=1, slots={s: 1}), sign=-1)
    now = counter.now()
    assert dict(now.slots) == {s: left.count(s) for s in set(left)}
    assert now.pages - before.pages == len(left)
    assert all(now.written_until(s) is not any(t <= s for t in left) for s in range(4))
    assert now.read_in is not None and abs(now.read_in - slot(time.time())) <= 1  # the table's clock
    for s in set(left):  # leave the table as it was for the next example
        counter.add(Backlog(pages=left.count(s), slots={s: left.count(s)}), sign=-1)


def bulk_dead_letters(stack: Stack) -> int:
    """How many batches of bulk work failed for good, as `newsfeed status` reads it."""
    from newsfeed.cli.connection import Connection

    sqs = stack.session.client("sqs")
    url = sqs.get_queue_url(QueueName="newsfeed-local-BulkDeadLetterQueue.fifo")["QueueUrl"]
    connection = Connection(None, None, "", "", None, bulk_dead_letters=url, sqs=sqs)  # type: ignore[arg-type]
    return connection.failed_bulk()


@pytest.mark.parametrize(("losses", "written"), [(8, True), (10**6, False)])
def test_bulk_work_that_loses_to_live_work_is_queued_again_until_it_lands_not_dead_lettered(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, losses: int, written: bool
) -> None:
    """Live publishes rewrite the site's feeds every few seconds; the bulk lane's write of the same scope can
    lose to them more times in a row than the queue's receives allow (5). Work that always loses still ends
    in the dead-letter queue, after limits.BULK_RACES turns (2 here), never in an endless loop."""
    from newsfeed.handlers import bulk_publisher
    from newsfeed.handlers.publisher import publisher
    from newsfeed.models import limits
    from newsfeed.models.errors import ConcurrentChange

    monkeypatch.setattr(bulk_publisher, "RETRY_SECONDS", 0)  # a failed batch comes straight back
    monkeypatch.setattr(limits, "BULK_RACES", 2 if not written else 10)
    corpus.write_files(tmp_path / "ag", 20)
    run_import(stack, tmp_path / "ag")
    stack.drain("IngestFunction", "PublisherFunction", "RelatedFunction")
    real, lost = publisher().regenerate, [0]

    def losing(scope: Scope, change: Any) -> list[str]:
        if scope == Scope(ScopeKind.SITE) and lost[0] < losses:
            lost[0] += 1
            raise ConcurrentChange
        return real(scope, change)

    monkeypatch.setattr(publisher(), "regenerate", losing)
    stack.drain()
    newest = ContentTable(stack.table).lists.newest_articles(Scope(ScopeKind.SITE), get_settings().feed_items)
    if written:
        assert lost[0] == losses and bulk_dead_letters(stack) == 0
        assert BacklogCounter(stack.table).now() == Backlog(0, 0)
        assert titles(stack) == [a.title for a in newest]
    else:
        assert bulk_dead_letters(stack) == 1 and lost[0] == 2 + 5  # queued again twice, then 5 receives
        left = BacklogCounter(stack.table).now()
        assert left.scopes == 1  # still owed, and said to have failed rather than to be in progress
        assert "; 1 batch of it failed" in site_progress(left, bulk_dead_letters(stack))
