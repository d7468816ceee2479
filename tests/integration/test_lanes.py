"""Two lanes: live changes written by the publisher at once, bulk ones (an import's, related lists') handed to
the bulk lane; the archives end as the newest change of each article says whatever order the lanes take."""

from __future__ import annotations

from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.config import get_settings
from newsfeed.dal.archives import FeedBookkeeping
from newsfeed.dal.bulk_lane import BacklogCounter
from newsfeed.dal.content import ContentTable
from newsfeed.models.backlog import Backlog
from newsfeed.models.scope import Scope, ScopeKind
from tests.support import corpus
from tests.support.factories import article, markdown
from tests.support.moto import Stack
from tests.support.pipeline import run_import


def titles(stack: Stack, path: str = "feeds/rss.xml") -> list[str]:
    return [entry.title for entry in feedparser.parse(stack.feed(path)).entries]


def page(stack: Stack, slug: str) -> bool:
    try:
        stack.feed(f"articles/{slug}")
    except stack.s3.exceptions.NoSuchKey:
        return False
    return True


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
