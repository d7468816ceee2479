"""Related articles through the real pipeline: found by content, curated, opted out, withdrawn, offered to
older articles; and the DynamoDB index against the in-memory one the evaluation uses."""

from __future__ import annotations

from typing import Any

import pytest

from newsfeed.dal.content import ContentTable
from newsfeed.dal.keys import CORPUS_KEY
from newsfeed.dal.related_index import RelatedIndexTable
from newsfeed.logic.articles import content_change
from newsfeed.logic.related.relator import Relator
from newsfeed.models.article import Article, RelatedCard
from newsfeed.models.errors import ConcurrentChange
from newsfeed.models.related_index import Corpus, Signature
from tests.support.corpus import ag_articles
from tests.support.factories import markdown
from tests.support.memory import MemoryIndex, MemoryLists
from tests.support.moto import Stack
from tests.support.pipeline import api, report

FERRY = "A passenger ferry sank in the Caspian Sea near Aktau port. Rescuers pulled forty passengers from "
FERRY += "the water; the ferry had left Aktau port at dawn."
STORIES = {
    "ferry.md": ("Ferry sinks in the Caspian Sea", FERRY),
    "ferry-2.md": (
        "Caspian ferry survivors describe the sinking",
        "Survivors of the ferry that sank near Aktau port described the sinking; rescuers searched the "
        "Caspian Sea for missing passengers.",
    ),
    "wheat.md": (
        "Wheat harvest breaks a record",
        "Farmers in Kostanay gathered a record wheat harvest this autumn; grain exports should rise.",
    ),
    "wheat-2.md": (
        "Grain exports rise after the record wheat harvest",
        "Kazakhstan's grain exports rose as farmers sold the record wheat harvest abroad.",
    ),
    "chess.md": (
        "Chess champion wins in Almaty",
        "The chess champion won the Almaty open on Sunday, beating a grandmaster in the final round.",
    ),
}


def publish(stack: Stack, name: str, **fields: str) -> None:
    title, body = STORIES[name]
    stack.put(name, markdown(title=title, body=body, section="News", **fields))
    stack.drain()


def related(stack: Stack, slug: str, limit: int | None = None) -> list[dict[str, Any]]:
    query = f"?limit={limit}" if limit else ""
    response = api(stack).get(f"/articles/{slug}/related{query}")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def slugs(stack: Stack, slug: str) -> list[str]:
    return [item["slug"] for item in related(stack, slug)]


def test_related_by_content_best_first_with_reasons(stack: Stack) -> None:
    for name in ("ferry.md", "wheat.md", "chess.md", "wheat-2.md", "ferry-2.md"):
        publish(stack, name)
    items = related(stack, "caspian-ferry-survivors-describe-the-sinking")
    assert items[0]["slug"] == "ferry-sinks-in-the-caspian-sea"
    assert items[0]["reason"] == {"kind": "automatic", "score": items[0]["reason"]["score"]}
    scores = [item["reason"]["score"] for item in items]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.3
    assert (
        slugs(stack, "grain-exports-rise-after-the-record-wheat-harvest")[0]
        == "wheat-harvest-breaks-a-record"
    )
    first = related(stack, "caspian-ferry-survivors-describe-the-sinking", limit=1)
    assert [i["slug"] for i in first] == ["ferry-sinks-in-the-caspian-sea"]
    assert api(stack).get("/articles/ferry-sinks-in-the-caspian-sea/related?limit=21").status_code == 400


def test_a_new_article_joins_the_lists_of_older_ones_it_is_close_to(stack: Stack) -> None:
    publish(stack, "ferry.md")
    publish(stack, "wheat.md")
    assert "caspian-ferry-survivors-describe-the-sinking" not in slugs(
        stack, "ferry-sinks-in-the-caspian-sea"
    )
    publish(stack, "ferry-2.md")
    assert slugs(stack, "ferry-sinks-in-the-caspian-sea")[0] == "caspian-ferry-survivors-describe-the-sinking"
    assert "caspian-ferry-survivors-describe-the-sinking" not in slugs(stack, "wheat-harvest-breaks-a-record")


def test_curated_articles_come_first_in_the_editors_order(stack: Stack) -> None:
    for name in ("ferry.md", "wheat.md", "chess.md"):
        publish(stack, name)
    publish(
        stack,
        "ferry-2.md",
        related="[chess-champion-wins-in-almaty, no-such-article, wheat-harvest-breaks-a-record]",
    )
    items = related(stack, "caspian-ferry-survivors-describe-the-sinking")
    assert [i["slug"] for i in items[:3]] == [
        "chess-champion-wins-in-almaty",
        "wheat-harvest-breaks-a-record",
        "ferry-sinks-in-the-caspian-sea",
    ]
    assert [i["reason"]["kind"] for i in items[:3]] == ["curated", "curated", "automatic"]
    assert len({i["slug"] for i in items}) == len(items)  # a curated article is not listed twice


def test_a_curated_article_published_later_joins_the_list(stack: Stack) -> None:
    publish(stack, "ferry.md", related="[chess-champion-wins-in-almaty]")
    assert slugs(stack, "ferry-sinks-in-the-caspian-sea") == []
    publish(stack, "chess.md")
    items = related(stack, "ferry-sinks-in-the-caspian-sea")
    assert [(i["slug"], i["reason"]["kind"]) for i in items] == [("chess-champion-wins-in-almaty", "curated")]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/chess.md")
    stack.drain()
    assert slugs(stack, "ferry-sinks-in-the-caspian-sea") == []
    publish(stack, "chess.md")  # published again: back in the package
    assert slugs(stack, "ferry-sinks-in-the-caspian-sea") == ["chess-champion-wins-in-almaty"]


def test_an_opted_out_article_is_in_no_automatic_list_but_stays_curated(stack: Stack) -> None:
    publish(stack, "ferry.md", show_in_related="false")
    publish(stack, "wheat.md", related="[ferry-sinks-in-the-caspian-sea]")
    publish(stack, "ferry-2.md")
    assert "ferry-sinks-in-the-caspian-sea" not in slugs(
        stack, "caspian-ferry-survivors-describe-the-sinking"
    )
    assert slugs(stack, "wheat-harvest-breaks-a-record")[0] == "ferry-sinks-in-the-caspian-sea"
    assert slugs(stack, "ferry-sinks-in-the-caspian-sea")[0] == "caspian-ferry-survivors-describe-the-sinking"


def test_opting_out_later_leaves_the_automatic_lists(stack: Stack) -> None:
    publish(stack, "ferry.md")
    publish(stack, "ferry-2.md")
    assert slugs(stack, "caspian-ferry-survivors-describe-the-sinking") == ["ferry-sinks-in-the-caspian-sea"]
    publish(stack, "ferry.md", show_in_related="false")
    assert slugs(stack, "caspian-ferry-survivors-describe-the-sinking") == []
    publish(stack, "wheat.md")
    publish(stack, "ferry-2.md", subtitle="Rescuers searched all night")  # related again: still not there
    assert slugs(stack, "caspian-ferry-survivors-describe-the-sinking") == []


def test_an_unpublished_article_leaves_every_list_and_the_index(stack: Stack) -> None:
    publish(stack, "ferry.md")
    publish(stack, "ferry-2.md")
    publish(stack, "wheat.md", related="[ferry-sinks-in-the-caspian-sea]")
    article_id = ContentTable(stack.table).articles.article_record("ferry-sinks-in-the-caspian-sea").id  # type: ignore[union-attr]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ferry.md")
    stack.drain()
    assert "ferry-sinks-in-the-caspian-sea" not in slugs(
        stack, "caspian-ferry-survivors-describe-the-sinking"
    )
    assert "ferry-sinks-in-the-caspian-sea" not in slugs(stack, "wheat-harvest-breaks-a-record")
    assert RelatedIndexTable(stack.table).signature(article_id) is None
    stack.put("ferry-3.md", markdown(title="Ferry sinking inquiry opens", body=FERRY))
    stack.drain()
    assert "ferry-sinks-in-the-caspian-sea" not in slugs(stack, "ferry-sinking-inquiry-opens")


def test_the_dynamodb_index_lists_what_the_in_memory_one_does(stack: Stack) -> None:
    """The evaluation (`make eval-related`) runs over tests/memory.py; the product over DynamoDB. Same
    articles in the same order must give the same lists, scores and index."""
    articles = ag_articles(120)
    table, index = ContentTable(stack.table), RelatedIndexTable(stack.table)
    memory_index, memory_lists = MemoryIndex(), MemoryLists()
    for article in articles:
        table.articles.save(content_change(None, article))
        memory_lists.put(article)
        Relator(index, table.related_lists).relate(article)
        Relator(memory_index, memory_lists).relate(article)
    for article in articles:
        stored = table.articles.article_record(article.slug)
        expected = memory_lists.records[article.slug]
        assert isinstance(stored, Article) and isinstance(expected, Article)
        assert [(c.id, round(c.score, 3)) for c in stored.related] == [
            (c.id, round(c.score, 3)) for c in expected.related
        ], article.slug
    listed = [memory_lists.records[a.slug] for a in articles]
    assert sum(1 for r in listed if isinstance(r, Article) and r.related) >= 100
    assert index.corpus() == memory_index.counts


def test_the_corpus_counts_never_go_below_zero(stack: Stack) -> None:
    """A takedown counts its article out of the corpus; if the counts were cleared meanwhile (a table
    emptied by hand), they stay at zero rather than going negative."""
    index = RelatedIndexTable(stack.table)
    stack.dynamodb.delete_item(TableName=stack.table, Key=CORPUS_KEY)
    signature = Signature(
        card=ag_articles(1)[0].card(), seq=1, length=12, terms={"x": 1.0}, expanded={"x": 1.0}
    )
    index.drop(signature)
    assert index.corpus() == Corpus()
    assert index.enter(12, new=True) == Corpus(articles=1, length=12, seq=1)
    assert index.corpus() == Corpus(articles=0, length=0, seq=1)  # counted in once indexed
    index.count_in(12, new=True)
    index.drop(signature)
    assert index.corpus() == Corpus(articles=0, length=0, seq=1)


def test_a_list_changed_meanwhile_is_not_overwritten(stack: Stack) -> None:
    """Two publishers offering articles to one list at once: the second write, made from a stale read, is
    refused (ConcurrentChange) and redone from a fresh one, so neither offer is lost."""
    table = ContentTable(stack.table)
    first, second, listing = ag_articles(3)
    table.articles.save(content_change(None, listing))
    stale = table.articles.article_record(listing.slug)
    assert isinstance(stale, Article)
    table.related_lists.replace_related(stale, [RelatedCard(**first.card().model_dump(), score=0.5)])
    with pytest.raises(ConcurrentChange):
        table.related_lists.replace_related(stale, [RelatedCard(**second.card().model_dump(), score=0.4)])
    fresh = table.articles.article_record(listing.slug)
    assert isinstance(fresh, Article) and [c.id for c in fresh.related] == [first.id]
    old_form = {"L": [{"M": {"id": {"S": first.id}}}]}  # a list stored before lists were one string
    stack.dynamodb.update_item(
        TableName=stack.table,
        Key={"pk": {"S": f"article#{listing.slug}"}, "sk": {"S": "article"}},
        UpdateExpression="SET related = :r",
        ExpressionAttributeValues={":r": old_form},
    )
    table.related_lists.replace_related(fresh, [])  # replaced whatever the old form held
    again = table.articles.article_record(listing.slug)
    assert isinstance(again, Article) and again.related == []


def test_a_very_long_word_and_a_body_at_the_size_limit_end_with_every_list_final(stack: Stack) -> None:
    """A 5 KB 'word' (over DynamoDB's 2 KB key if indexed) and bodies near the upload limit: related like any
    other article, counted once, nothing in the dead-letter queue."""
    from newsfeed.dal.related_index import RelatedIndexTable

    words = FERRY.split()
    large = " ".join(words[n % len(words)] + str(n % 997) for n in range(20_000))[:200_000]
    stack.put("word.md", markdown(title="Ferry word", body=FERRY + " " + "a" * 5_000, section="News"))
    stack.put("large.md", markdown(title="Ferry at length", body=large, section="News"))
    stack.put("large-2.md", markdown(title="Ferry at length again", body=large[::-1], section="News"))
    stack.put("huge.md", markdown(title="Ferry at two megabytes", body=large * 10, section="News"))
    stack.drain(timeout=300)
    assert "the limit is" in str(report(stack, "inbox/huge.md"))  # refused: nothing to relate
    assert slugs(stack, "ferry-word") and slugs(stack, "ferry-at-length")
    published = api(stack).get("/articles", params={"limit": 100}).json()["items"]
    assert RelatedIndexTable(stack.table).corpus().articles == len(published)
    sqs = stack.session.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        depth = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0", url


def test_the_function_says_up_to_when_it_followed_the_stream_and_never_goes_back(stack: Stack) -> None:
    """What `newsfeed import` reads to tell its articles related while the newsroom publishes more."""
    import time

    index = RelatedIndexTable(stack.table)
    assert index.handled_until() is None
    before = time.time()
    publish(stack, "chess.md")
    followed = index.handled_until()
    assert followed is not None and before - 2 <= followed <= time.time() + 1  # (the stream's whole seconds)
    index.handled(followed - 100)  # an older batch, retried late
    assert index.handled_until() == followed
    index.handled(followed + 1)
    assert index.handled_until() == followed + 1
