"""What `newsfeed status SLUG` says of each kind of article: only what is true of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


class StandsStill:
    """A stack whose related lists stand still for `still` seconds of a fake clock, then are all final; and
    whose bulk lane has nothing left to write."""

    def __init__(self, still: float) -> None:
        self.now, self.still = 0.0, still

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def published(self) -> int:
        return 2_000

    def related(self) -> int:
        return 2_000 if self.now >= self.still else 400

    def backlog(self) -> object:
        from newsfeed.models.backlog import Backlog

        return Backlog(0, 0)


@given(still=st.floats(0, 290), timeout=st.floats(1, 60))
def test_import_follows_related_lists_that_stand_still_for_minutes_whatever_its_timeout(
    still: float, timeout: float
) -> None:
    """A batch of 2,000 is counted in at its end: minutes without progress are not the end of relating."""
    import contextlib
    import io
    from typing import Any
    from unittest import mock

    from newsfeed.cli import archive

    stack = StandsStill(still)
    said = io.StringIO()
    connection: Any = stack
    with (
        contextlib.redirect_stdout(said),
        contextlib.redirect_stderr(io.StringIO()),
        mock.patch.object(archive, "time", stack),
    ):
        archive.follow_related(connection, timeout)
        archive.follow_site(connection, timeout)
    assert "related lists: final for all 2000 articles" in said.getvalue()
    assert "pages and feeds: all written" in said.getvalue()
