"""GET /articles/{slug} answers from the stored values without building a model: for any stored article, the
answer is exactly ArticleOut built from the article model (the documented schema), whole or by `fields`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsfeed.api.article import article_json
from newsfeed.dal.items import record_item
from newsfeed.dal.stored import stored_values
from newsfeed.models.api import SERVED, ArticleOut
from newsfeed.models.article import Article, Image
from tests.support.factories import SITE, article

TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)


def modelled(stored: Article) -> dict[str, Any]:
    """The answer as the article model and ArticleOut make it."""
    values = stored.model_dump(include=set(ArticleOut.model_fields))
    values["url"] = SITE.article_url(stored.slug)
    if stored.image:
        values["image"] = stored.image.model_copy(update={"url": SITE.absolute(stored.image.url)})
    answer: dict[str, Any] = json.loads(ArticleOut.model_validate(values).model_dump_json(exclude_none=True))
    return answer


@st.composite
def stored_articles(draw: st.DrawFn) -> Article:
    image = draw(
        st.none()
        | st.builds(
            Image,
            url=st.sampled_from(["/images/a.jpg", "https://cdn.example/b.png"]),
            alt=TEXT,
            caption=TEXT,
        )
    )
    corrected = draw(
        st.none() | st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))
    )
    return article(
        draw(st.integers(0, 500)),
        **({"updated_at": corrected} if corrected else {}),
        title=draw(TEXT.filter(str.strip)),
        subtitle=draw(TEXT),
        tags=draw(st.lists(TEXT.filter(str.strip), max_size=3)),
        authors=draw(st.lists(TEXT.filter(str.strip), min_size=1, max_size=3)),
        image=image,
        canonical_url=draw(st.none() | st.just("https://elsewhere.example/story")),
        revision=draw(st.integers(1, 10**6)),
        language=draw(st.sampled_from(["en", "kk", "ar"])),
    )


@given(stored_articles(), st.none() | st.sets(st.sampled_from(SERVED), min_size=1))
def test_the_answer_from_stored_values_is_articleout(stored: Article, fields: set[str] | None) -> None:
    answer = json.loads(article_json(SITE, stored_values(record_item(stored)), fields))
    expected = modelled(stored)
    if fields is not None:
        expected = {name: value for name, value in expected.items() if name in fields}
    assert answer == expected
    assert list(answer) == [name for name in SERVED if name in answer]  # the documented order
