"""What `newsfeed status SLUG` says of each kind of article: only what is true of it."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed.cli import archive
from newsfeed.cli.main import describe
from newsfeed.models.article_shape import ArticleStatus
from tests.support.factories import EPOCH, article


@pytest.mark.parametrize(
    ("status", "published_line"),
    [(ArticleStatus.PUBLISHED, True), (ArticleStatus.DRAFT, False), (ArticleStatus.SCHEDULED, False)],
)
def test_status_names_a_publication_date_only_for_a_published_article(
    status: ArticleStatus, published_line: bool
) -> None:
    record = article(1, status=status, published_at=EPOCH + timedelta(days=1))
    found, lines = describe(record, record.slug, "http://127.0.0.1:3000/api")
    assert found
    assert any(line.startswith("published:") for line in lines) is published_line
    assert any(line.startswith("due:") for line in lines) is (status is ArticleStatus.SCHEDULED)


@given(related=st.integers(0, 10_000), published=st.integers(0, 10_000))
def test_related_progress_never_exceeds_its_total_nor_says_final_early(related: int, published: int) -> None:
    from newsfeed.cli.main import progress

    done, _, rest = progress(related, published).partition(" of ")
    assert int(done) <= published == int(rest.split()[0])
    assert rest.endswith("(final)") is (related == published)


@given(pages=st.integers(-5, 10_000), scopes=st.integers(-5, 100))
def test_pages_and_feeds_are_up_to_date_only_when_nothing_is_left_to_write(pages: int, scopes: int) -> None:
    from newsfeed.cli.archive import site_progress
    from newsfeed.models.backlog import Backlog

    said = site_progress(Backlog(pages, scopes))
    assert (said == "up to date") is (pages <= 0 and scopes <= 0)
    if said != "up to date":
        assert said.startswith(f"{max(pages, 0)} pages and {max(scopes, 0)} feeds")


@given(pages=st.integers(1, 10_000), scopes=st.integers(0, 100), failed=st.integers(0, 1_000))
def test_pages_and_feeds_whose_work_failed_are_said_to_have_failed_not_to_be_in_progress(
    pages: int, scopes: int, failed: int
) -> None:
    from newsfeed.cli.archive import site_progress
    from newsfeed.models.backlog import Backlog

    said = site_progress(Backlog(pages, scopes), failed)
    assert said.startswith(f"{pages} pages and {scopes} feeds still to write")
    assert ("in progress" in said) is (failed == 0)
    assert (f"; {failed} batch" in said and "of it failed" in said) is (failed > 0)


def test_status_says_nothing_of_failures_it_may_not_read() -> None:
    from botocore.exceptions import ClientError

    from newsfeed.cli.connection import Connection

    class Refusing:
        def get_queue_attributes(self, **_: object) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetQueueAttributes")

    connection = Connection(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        "",
        "",
        None,  # type: ignore[arg-type]
        bulk_dead_letters="https://sqs.example/queue",
        sqs=Refusing(),  # type: ignore[arg-type]
    )
    assert connection.failed_bulk() == 0
    assert Connection(None, None, "", "", None).failed_bulk() == 0  # type: ignore[arg-type]


class FakeClock:
    """The clock `cli.archive` reads and sleeps on, as a fake: time moves only when it sleeps."""

    now = 0.0

    def time(self) -> float:
        return EPOCH.timestamp() + self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        assert self.now < 3600, "still following an hour later"
        self.passed()

    def passed(self) -> None:
        """What happens on the stack as a second passes."""

    def published(self) -> int:
        return 2_000

    def related_until(self) -> float | None:
        return None

    def backlog(self) -> object:
        from newsfeed.models.backlog import Backlog, slot

        return Backlog(0, 0, read_in=slot(self.time()))

    def failed_bulk(self) -> int:
        return 0


def said_by(stack: FakeClock, *follows: Callable[[Any, float], None], timeout: float) -> str:
    """What the command prints following `stack` (on its fake clock) with `follows`."""
    from newsfeed.cli import archive

    said = io.StringIO()
    with (
        contextlib.redirect_stdout(said),
        contextlib.redirect_stderr(io.StringIO()),
        mock.patch.object(archive, "time", stack),
    ):
        for follow in follows:
            follow(stack, timeout)
    return said.getvalue()


class StandsStill(FakeClock):
    """A stack whose related lists stand still for `still` seconds of a fake clock, then are all final; and
    whose bulk lane has nothing left to write."""

    def __init__(self, still: float) -> None:
        self.still = still

    def related(self) -> int:
        return 2_000 if self.now >= self.still else 400


@given(still=st.floats(0, 290), timeout=st.floats(1, 60))
def test_import_follows_related_lists_that_stand_still_for_minutes_whatever_its_timeout(
    still: float, timeout: float
) -> None:
    """A batch of 2,000 is counted in at its end: minutes without progress are not the end of relating."""
    said = said_by(StandsStill(still), archive.follow_related, archive.follow_site, timeout=timeout)
    assert "related lists: final for all 2000 articles" in said
    assert "pages and feeds: all written" in said


class KeepsPublishing(FakeClock):
    """A stack whose related lists are final, whose bulk lane writes `per_second` of the import's `left`
    messages a second (none while `stuck`), and where a live publish hands the bulk lane a page every second
    (written a second later) whenever `live`: its backlog is never empty while the newsroom works."""

    def __init__(self, left: int, per_second: int, *, live: bool, stuck: bool) -> None:
        from newsfeed.models.backlog import slot

        self.left, self.per_second, self.live, self.stuck = left, per_second, live, stuck
        self.handed_in = slot(self.time())  # the import's work, handed over as its related lists ended

    def passed(self) -> None:
        if not self.stuck:
            self.left = max(0, self.left - self.per_second)

    def related(self) -> int:
        return 2_000

    def backlog(self) -> object:
        from newsfeed.models.backlog import Backlog, slot

        slots = {self.handed_in: self.left} if self.left else {}
        if self.live:  # the page handed over a second ago, not yet written
            slots[slot(self.time() - 1)] = slots.get(slot(self.time() - 1), 0) + 1
        pages = self.left + (1 if self.live else 0)
        return Backlog(pages, 0, slots, read_in=slot(self.time()))


@given(
    left=st.integers(0, 400),
    per_second=st.integers(1, 50),
    live=st.booleans(),
    stuck=st.booleans(),
    timeout=st.floats(1, 60),
)
def test_import_says_all_written_once_its_own_work_is_whatever_live_work_goes_on(
    left: int, per_second: int, live: bool, stuck: bool, timeout: float
) -> None:
    """Live publishing during an import keeps the bulk lane busy: the import's pages and feeds are all written
    once the work handed over up to its end is, and not before."""
    stack = KeepsPublishing(left, per_second, live=live, stuck=stuck)
    finished = "pages and feeds: all written" in said_by(stack, archive.follow_site, timeout=timeout)
    assert finished is (stack.left == 0)
    assert finished is (left == 0 or not stuck)
    assert stack.now <= max(timeout, archive.FOLLOW_AT_LEAST_SECONDS) + 120  # it ends, live work or not


class RelatesWhilePublishing(FakeClock):
    """A stack whose related-lists function relates an import of 2,000 until `still` seconds of a fake clock,
    then (as the stream comes) what the newsroom publishes meanwhile when `live`: an article a second, each
    related a second later, so that the published and related counts never meet while it goes on."""

    def __init__(self, still: float, *, live: bool) -> None:
        self.still, self.live = still, live

    def _live(self, lag: float) -> int:
        """Live articles published, as seen `lag` seconds late."""
        return int(max(0.0, self.now - lag)) if self.live else 0

    def published(self) -> int:
        return 2_000 + self._live(0)

    def related(self) -> int:
        live = self._live(1) if self.now >= self.still + 1 else 0  # after the import's, in the stream's order
        return (2_000 if self.now >= self.still else 400) + live

    def related_until(self) -> float | None:  # the import's last change, then the live ones a second late
        return EPOCH.timestamp() + (self.now - 1 if self.live and self.now >= self.still + 1 else 0)


@given(still=st.floats(0, 290), live=st.booleans(), timeout=st.floats(1, 60))
def test_import_says_its_related_lists_final_whatever_the_newsroom_publishes_meanwhile(
    still: float, live: bool, timeout: float
) -> None:
    stack = RelatesWhilePublishing(still, live=live)
    final = re.search(
        r"related lists: final for all (\d+) articles",
        said_by(stack, archive.follow_related, timeout=timeout),
    )
    assert final and int(final.group(1)) >= 2_000
    assert stack.now >= still  # not before the import's own were
