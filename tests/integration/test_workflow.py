"""Editorial statuses through the real pipeline: draft, scheduled, published, unpublished, and back.

The scheduler runs with a clock the test sets; uploads carry real event times, so "the future" is a date
well after now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsfeed.dal.content import ContentTable
from newsfeed.logic.schedule import Scheduler
from newsfeed.models.article import Article
from newsfeed.models.article_shape import ArticleStatus
from tests.support.factories import markdown
from tests.support.moto import Stack
from tests.support.pipeline import api

SLUG = "kazakh-leader-offers-explanation-for-crisis"
NOW = datetime.now(UTC)
LATER = (NOW + timedelta(days=2)).replace(microsecond=0)


def upload(stack: Stack, name: str = "crisis.md", **fields: str) -> None:
    stack.put(name, markdown(**fields))
    stack.drain()


def stored(stack: Stack, slug: str = SLUG) -> Article:
    record = ContentTable(stack.table).articles.article_record(slug)
    assert isinstance(record, Article)
    return record


def visible(stack: Stack, slug: str = SLUG) -> dict[str, bool]:
    """Where readers can see the article: its page, the site list, the site feed and the sitemap."""
    client = api(stack)
    listed = [a["slug"] for a in client.get("/articles").json()["items"]]
    try:
        sitemap = stack.feed("sitemaps/news.xml")
    except stack.s3.exceptions.NoSuchKey:
        sitemap = b""
    try:
        rss = stack.feed()
    except stack.s3.exceptions.NoSuchKey:
        rss = b""
    return {
        "page": client.get(f"/articles/{slug}").status_code == 200,
        "list": slug in listed,
        "feed": slug.encode() in rss,
        "sitemap": slug.encode() in sitemap,
    }


HIDDEN = {"page": False, "list": False, "feed": False, "sitemap": False}
SHOWN = {"page": True, "list": True, "feed": True, "sitemap": True}


def scheduler(stack: Stack, moment: datetime, sleeps: list[float] | None = None) -> Scheduler:
    clock = [moment]

    def sleep(seconds: float) -> None:
        (sleeps if sleeps is not None else []).append(seconds)
        clock[0] += timedelta(seconds=seconds)

    return Scheduler(ContentTable(stack.table), clock=lambda: clock[0], sleep=sleep)


def test_a_draft_is_stored_but_never_public_until_it_is_published(stack: Stack) -> None:
    upload(stack, status="draft")
    assert stored(stack).status is ArticleStatus.DRAFT
    assert visible(stack) == HIDDEN

    upload(stack, status="published")
    assert stored(stack).status is ArticleStatus.PUBLISHED
    assert visible(stack) == SHOWN

    upload(stack, status="draft")  # back to draft: it leaves every list and feed
    assert visible(stack) == HIDDEN


def test_a_future_publication_time_schedules_the_article_and_the_scheduler_publishes_it(stack: Stack) -> None:
    upload(stack, published_at=LATER.isoformat(), tags="[Politics]")
    article = stored(stack)
    assert (article.status, article.published_at) == (ArticleStatus.SCHEDULED, LATER)
    assert visible(stack) == HIDDEN
    assert api(stack).get(f"/articles/{SLUG}").status_code == 404

    assert scheduler(stack, LATER - timedelta(seconds=1)).run() == []  # not yet due
    assert stored(stack).status is ArticleStatus.SCHEDULED

    assert scheduler(stack, LATER).run() == [SLUG]
    stack.drain()  # the stream: exactly what a manual publish triggers
    published = stored(stack)
    assert (published.status, published.published_at, published.revision) == (
        ArticleStatus.PUBLISHED,
        LATER,
        1,
    )
    seen = visible(stack)
    del seen["sitemap"]  # (the test's clock is days ahead of the publisher's, which writes the sitemap)
    assert seen == {"page": True, "list": True, "feed": True}
    assert SLUG.encode() in stack.feed("feeds/tags/politics/rss.xml")
    assert scheduler(stack, LATER + timedelta(hours=1)).run() == []  # published once


def test_a_scheduled_publish_has_the_side_effects_of_a_manual_one(stack: Stack) -> None:
    upload(stack, "older.md", title="Tokayev meets ministers", tags="[Politics]")
    upload(stack, published_at=LATER.isoformat(), tags="[Politics]")
    scheduler(stack, LATER).run()
    stack.drain()
    by_schedule = api(stack).get(f"/articles/{SLUG}/related").json()

    upload(stack, "other.md", title="Tokayev names a new cabinet", tags="[Politics]")
    by_hand = api(stack).get("/articles/tokayev-names-a-new-cabinet/related").json()
    assert [i["slug"] for i in by_schedule["items"]] == ["tokayev-meets-ministers"]
    assert SLUG in [i["slug"] for i in by_hand["items"]]


def test_the_scheduler_looks_ahead_and_publishes_each_article_at_its_second(stack: Stack) -> None:
    upload(stack, "a.md", title="First due", published_at=(LATER + timedelta(seconds=20)).isoformat())
    upload(stack, "b.md", title="Second due", published_at=(LATER + timedelta(seconds=45)).isoformat())
    upload(stack, "c.md", title="Due next run", published_at=(LATER + timedelta(seconds=90)).isoformat())
    sleeps: list[float] = []

    published = scheduler(stack, LATER, sleeps).run(look_ahead=timedelta(seconds=60))

    assert published == ["first-due", "second-due"]
    assert sleeps == [20.0, 25.0]
    assert stored(stack, "due-next-run").status is ArticleStatus.SCHEDULED


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"published_at": (LATER + timedelta(days=1)).isoformat()}, ArticleStatus.SCHEDULED),
        ({"published_at": LATER.isoformat(), "status": "draft"}, ArticleStatus.DRAFT),
        ({"published_at": (NOW - timedelta(hours=1)).isoformat()}, ArticleStatus.PUBLISHED),
    ],
    ids=["rescheduled", "back-to-draft", "published-now"],
)
def test_a_scheduled_article_can_be_rescheduled_withdrawn_or_published_at_once(
    stack: Stack, change: dict[str, str], expected: ArticleStatus
) -> None:
    upload(stack, published_at=LATER.isoformat())
    upload(stack, **change)
    assert stored(stack).status is expected

    published = scheduler(stack, LATER + timedelta(minutes=1)).run()
    assert published == []  # the old schedule entry went with the change
    assert stored(stack).status is expected
    assert visible(stack)["list"] is (expected is ArticleStatus.PUBLISHED)


def test_deleting_a_scheduled_upload_cancels_it(stack: Stack) -> None:
    upload(stack, published_at=LATER.isoformat())
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain()
    assert scheduler(stack, LATER + timedelta(days=1)).run() == []
    assert api(stack).get(f"/articles/{SLUG}").status_code == 410


def test_published_unpublished_and_published_again(stack: Stack) -> None:
    upload(stack)
    assert visible(stack) == SHOWN
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain()
    assert api(stack).get(f"/articles/{SLUG}").status_code == 410
    assert visible(stack) == HIDDEN
    upload(stack)
    assert visible(stack) == SHOWN
    assert stored(stack).revision == 2


def related_slugs(stack: Stack, slug: str) -> list[str]:
    return [item["slug"] for item in api(stack).get(f"/articles/{slug}/related").json()["items"]]


@pytest.mark.parametrize("takedown", ["delete-upload", "back-to-draft"])
def test_an_article_taken_down_leaves_every_related_list(stack: Stack, takedown: str) -> None:
    upload(stack, tags="[Politics]")
    upload(stack, "b.md", title="Tokayev names a new cabinet", tags="[Politics]")
    upload(stack, "c.md", title="Parliament approves the budget", tags="[Politics]")
    assert SLUG in related_slugs(stack, "tokayev-names-a-new-cabinet")
    assert SLUG in related_slugs(stack, "parliament-approves-the-budget")

    if takedown == "delete-upload":
        stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
        stack.drain()
    else:
        upload(stack, tags="[Politics]", status="draft")

    assert related_slugs(stack, "tokayev-names-a-new-cabinet") == ["parliament-approves-the-budget"]
    assert related_slugs(stack, "parliament-approves-the-budget") == ["tokayev-names-a-new-cabinet"]
    assert ContentTable(stack.table).related_lists.listed_by(
        stored(stack, "tokayev-names-a-new-cabinet").id
    ) == [
        (stored(stack, "parliament-approves-the-budget").id, "parliament-approves-the-budget")
    ]  # the note the taken-down article's own list left went with it


def test_a_slug_change_keeps_the_article_in_related_lists(stack: Stack) -> None:
    upload(stack, tags="[Politics]")
    upload(stack, "b.md", title="Tokayev names a new cabinet", tags="[Politics]")
    assert related_slugs(stack, "tokayev-names-a-new-cabinet") == [SLUG]
    upload(stack, tags="[Politics]", slug="crisis-explained")
    assert related_slugs(stack, "tokayev-names-a-new-cabinet") == ["crisis-explained"]  # offered again
    assert api(stack).get(f"/articles/{SLUG}", follow_redirects=False).status_code == 301
    assert api(stack).get(f"/articles/{SLUG}", follow_redirects=False).status_code == 301


STATES = {
    "draft": {"status": "draft"},
    "scheduled": {"published_at": LATER.isoformat()},
    "published": {"published_at": (NOW - timedelta(hours=1)).isoformat()},
}


@pytest.mark.parametrize("to", [*STATES, "unpublished"])
@pytest.mark.parametrize("start", [*STATES, "unpublished"])
def test_every_status_transition(stack: Stack, start: str, to: str) -> None:
    """From each status to each other (and itself) by uploading or deleting: stored status and visibility."""
    if start == "unpublished":
        upload(stack)
        stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
        stack.drain()
    else:
        upload(stack, **STATES[start])
    if to == "unpublished":
        stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
        stack.drain()
        assert api(stack).get(f"/articles/{SLUG}").status_code == 410
    else:
        upload(stack, **STATES[to])
        assert stored(stack).status == to
    shown = visible(stack)
    del shown["sitemap"]  # (a scheduled article's date is in the future for the publisher's real clock)
    assert shown == dict.fromkeys(("page", "list", "feed"), to == "published")
    due = [card.slug for card in ContentTable(stack.table).lists.due_cards(LATER + timedelta(days=1), 10)]
    assert due == ([SLUG] if to == "scheduled" else [])
