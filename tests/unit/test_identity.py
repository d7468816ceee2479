"""Which new version of an upload is a correction of its article, and which is another story (issue 27):
measured on real news text (AG News), corrected the ways editors correct, and paired with other stories."""

from __future__ import annotations

import itertools
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.logic.identity import another_story, same_story
from newsfeed.logic.parsing import ParsedUpload, parse_upload
from newsfeed.models.article import Article
from tests.support import corpus
from tests.support.factories import article

STORIES = [(title, body) for _, title, body in corpus.rows(300) if len(body.split()) >= 12]
LONG = [(title, body) for _, title, body in corpus.long_rows(40)]


@cache
def _parsed(title: str, body: str) -> ParsedUpload:
    return upload(title, body)


def upload(title: str, body: str, **fields: str) -> ParsedUpload:
    front = "".join(f"{k}: {v}\n" for k, v in fields.items())
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return parse_upload(
        "inbox/story.md", f'---\ntitle: "{quoted}"\nsection: News\n{front}---\n{body}\n'.encode()
    )


@cache
def stored(title: str, body: str) -> Article:
    parsed = _parsed(title, body)
    return article(1, title=parsed.fields.title, slug=parsed.slug, body=parsed.body_html)


def test_no_two_different_news_stories_are_taken_for_one() -> None:
    pairs = 0
    for (title, body), (other_title, other_body) in itertools.combinations(STORIES[:120], 2):
        if title.casefold() != other_title.casefold():
            assert not same_story(stored(title, body), _parsed(other_title, other_body)), (title, other_title)
            pairs += 1
    for (title, body), (other_title, other_body) in itertools.combinations(LONG, 2):
        assert not same_story(stored(title, body), _parsed(other_title, other_body)), (title, other_title)
    assert pairs > 5000


@settings(max_examples=200, deadline=None)
@given(
    story=st.sampled_from(STORIES + LONG),
    new_title=st.booleans(),
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["replace", "delete", "insert"])), max_size=3),
    added=st.sampled_from(
        ["", "Updated at 10:00 with comments from the ministry.", "Correction: the figure was 12."]
    ),
)
def test_a_correction_is_the_same_story(
    story: tuple[str, str], new_title: bool, edits: list[tuple[float, str]], added: str
) -> None:
    """A retitled, re-worded (up to one word in ten replaced, cut or added) or extended version of a story."""
    title, body = story
    words = body.split()
    for where, how in edits[: max(1, len(words) // 10)]:  # a few words: up to one in ten
        at = int(where * (len(words) - 1))
        if how == "replace":
            words[at] = "corrected"
        elif how == "delete" and len(words) > 12:
            del words[at]
        else:
            words.insert(at, "reportedly")
    corrected = upload("A corrected headline" if new_title else title, " ".join(words) + " " + added)
    assert same_story(stored(title, body), corrected)


def test_naming_the_slug_or_keeping_the_title_always_claims_the_article() -> None:
    (title, body), (other_title, other_body) = STORIES[0], STORIES[1]
    first = stored(title, body)
    assert same_story(first, upload(other_title, other_body, slug=first.slug))
    assert same_story(first, upload(title.upper(), other_body))


def test_the_refusal_says_how_to_do_either() -> None:
    first = stored(*STORIES[0])
    message = another_story("inbox/news/ferry.md", first).message
    assert "upload it under another file name than 'ferry.md'" in message
    assert f"add `slug: {first.slug}` to this file" in message
