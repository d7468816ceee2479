"""Corrections keep the article's id and first publication, bump its revision, and keep every revision."""

from __future__ import annotations

from typing import Any

from tests.support.factories import markdown
from tests.support.moto import Stack
from tests.support.pipeline import api

SLUG = "kazakh-leader-offers-explanation-for-crisis"


def revisions(stack: Stack, slug: str = SLUG, **params: Any) -> Any:
    response = api(stack).get(f"/articles/{slug}/revisions", params=params, follow_redirects=False)
    return response


def publish(stack: Stack, name: str, text: str) -> None:
    stack.put(name, text)
    stack.drain()


def test_a_correction_keeps_the_id_and_first_publication_and_lists_both_revisions(stack: Stack) -> None:
    publish(stack, "crisis.md", markdown(body="First version."))
    first = api(stack).get(f"/articles/{SLUG}").json()
    assert first["revision"] == 1
    publish(stack, "crisis.md", markdown(body="Corrected version.", summary="Corrected."))
    second = api(stack).get(f"/articles/{SLUG}").json()

    kept = (second["id"], second["published_at"], second["revision"])
    assert kept == (first["id"], first["published_at"], 2)
    assert second["updated_at"] > first["updated_at"]
    listed = revisions(stack).json()
    assert listed["article_id"] == first["id"]
    assert [(r["revision"], r["current"], r["summary"]) for r in listed["items"]] == [
        (2, True, "Corrected."),
        (1, False, "First version."),
    ]
    assert revisions(stack, limit=1).json()["items"][0]["revision"] == 2

    publish(stack, "crisis.md", markdown(body="Corrected version.", summary="Corrected."))  # the same again
    assert [r["revision"] for r in revisions(stack).json()["items"]] == [2, 1]


def test_revisions_continue_across_a_takedown_and_follow_a_slug_change(stack: Stack) -> None:
    publish(stack, "crisis.md", markdown(body="First version."))
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain()
    assert revisions(stack).status_code == 410
    publish(stack, "crisis.md", markdown(body="Back, corrected."))
    assert [r["revision"] for r in revisions(stack).json()["items"]] == [2, 1]

    publish(stack, "crisis.md", markdown(body="Back, corrected.", slug="crisis-explained"))
    moved = revisions(stack)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/articles/crisis-explained/revisions"
    items = revisions(stack, "crisis-explained").json()["items"]
    assert [(r["revision"], r["slug"]) for r in items] == [(3, "crisis-explained"), (2, SLUG), (1, SLUG)]


def test_unknown_and_bad_requests_are_clear(stack: Stack) -> None:
    assert revisions(stack, "no-such-story").status_code == 404
    publish(stack, "crisis.md", markdown())
    bad = revisions(stack, limit=0)
    assert bad.status_code == 400
    assert bad.json()["parameter"] == "limit"
