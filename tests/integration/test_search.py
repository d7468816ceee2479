"""Search through the real pipeline (uploads -> ingest -> the content stream -> the index -> GET /search):
found by the words of its title and body in every language we publish in, by other forms of a word, by a
phrase; never while a draft, never after a takedown; a correction's lost words no longer find it; the same
results whether articles were published one by one or imported together; any query answered 200 or 400."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.dal.content import ContentTable
from newsfeed.models.article import Article
from tests.support import corpus
from tests.support.factories import markdown
from tests.support.moto import Stack, moto_stack
from tests.support.pipeline import api, run_import

STORIES = {
    "ferry.md": {
        "title": "Ferry sinks in the Caspian Sea",
        "body": "A passenger ferry sank near Aktau port at dawn. Rescuers pulled forty passengers from the "
        "cold water; the captain said the engines had failed.",
        "section": "News",
        "tags": "[Transport]",
    },
    "wheat.md": {
        "title": "Wheat harvest breaks a record",
        "body": "Farmers in Kostanay gathered a record wheat harvest this autumn; grain exports should rise.",
        "section": "Business",
    },
    "vybory.md": {
        "title": "Выборы в маслихаты пройдут в марте",
        "body": "Центральная избирательная комиссия назначила выборы депутатов маслихатов на март.",
        "section": "Politics",
        "language": "ru",
    },
    "astana.md": {
        "title": "Астанада жаңа мектептер ашылды",
        "body": "Қазақстанның астанасында үш жаңа мектеп ашылды, оларда екі мың оқушы оқиды.",
        "section": "Society",
        "language": "kk",
    },
}


def publish(stack: Stack, name: str, **changes: str) -> None:
    stack.put(name, markdown(**{**STORIES[name], **changes}))
    stack.drain()


def search(stack: Stack, query: str, **params: Any) -> dict[str, Any]:
    response = api(stack).get("/search", params={"q": query, **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def found(stack: Stack, query: str, **params: Any) -> list[str]:
    return [item["slug"] for item in search(stack, query, **params)["items"]]


def test_found_by_title_and_body_words_in_every_language_and_by_other_forms(stack: Stack) -> None:
    for name in STORIES:
        publish(stack, name)
    ferry, wheat = "ferry-sinks-in-the-caspian-sea", "wheat-harvest-breaks-a-record"
    assert found(stack, "ferry") == [ferry]  # a title word
    assert found(stack, "rescuers captain") == [ferry]  # body words, all of them
    assert found(stack, "RESCUER Engine") == [ferry]  # other forms, any case
    assert found(stack, "ferries") == [ferry]
    assert found(stack, "harvested farmer") == [wheat]
    assert found(stack, "ferry wheat") == []  # every word must be there
    assert found(stack, "ferry the") == [ferry]  # a common word ranks, and excludes nothing
    assert found(stack, "the") == [ferry]  # unless it is all there is
    assert found(stack, "gathered this autumn") == [wheat]
    assert found(stack, "выборов") == ["vybory-v-maslikhaty-proidut-v-marte"]  # Russian, another form
    assert found(stack, "ИЗБИРАТЕЛЬНОЙ комиссией") == ["vybory-v-maslikhaty-proidut-v-marte"]
    assert found(stack, "мектептері") == ["astanada-zhana-mektepter-ashyldy"]  # Kazakh, another ending
    assert found(stack, "Қазақстан") == ["astanada-zhana-mektepter-ashyldy"]


def test_phrases_exclusions_filters_and_what_a_result_carries(stack: Stack) -> None:
    for name in STORIES:
        publish(stack, name)
    ferry = "ferry-sinks-in-the-caspian-sea"
    assert found(stack, '"passenger ferry"') == [ferry]
    assert found(stack, '"ferry passenger"') == []  # not word after word
    assert found(stack, '"the engines had failed') == [ferry]  # an unclosed phrase runs to the end
    assert found(stack, "record -kostanay") == []
    assert found(stack, "record -ferry") == ["wheat-harvest-breaks-a-record"]
    assert found(stack, "ferry", section="business") == []
    assert found(stack, "ferry", section="news", tag="transport") == [ferry]
    assert found(stack, "ferry", to="2000-01-01") == []
    weather = "storm rain wind snow hail fog sun cloud frost ice heat dust"
    answer = search(stack, f"the rescuers x {weather}")
    assert answer["ignored"] == ["x", "frost", "ice", "heat", "dust"]  # one letter; past the tenth word
    item = search(stack, "the rescuers")["items"][0]
    assert item["url"].endswith(f"/articles/{ferry}") and item["title"] == "Ferry sinks in the Caspian Sea"
    marked = [item["snippet"][h["start"] : h["end"]] for h in item["highlights"]]
    assert marked == ["Rescuers"]
    only = search(stack, "ferry", fields="slug,snippet")["items"][0]
    assert set(only) == {"slug", "snippet"}


def test_never_a_draft_never_after_a_takedown_and_a_correction_loses_its_old_words(stack: Stack) -> None:
    publish(stack, "ferry.md", status="draft")
    assert found(stack, "ferry") == []
    publish(stack, "wheat.md", published_at="2999-01-01T00:00:00Z")  # scheduled, not due for long
    scheduled = ContentTable(stack.table).articles.article_record("wheat-harvest-breaks-a-record")
    assert isinstance(scheduled, Article) and scheduled.status == "scheduled"
    assert found(stack, "wheat") == []
    publish(stack, "ferry.md")
    assert found(stack, "captain") == ["ferry-sinks-in-the-caspian-sea"]
    publish(stack, "ferry.md", body="A passenger ferry sank near Aktau port. The crew was rescued.")
    assert found(stack, "captain") == []
    assert found(stack, "crew") == ["ferry-sinks-in-the-caspian-sea"]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ferry.md")
    stack.drain()
    assert found(stack, "ferry") == []
    assert found(stack, "crew") == []


def test_pages_follow_one_another_and_an_unchanged_answer_is_not_sent_again(stack: Stack) -> None:
    for n in range(7):
        stack.put(f"s{n}.md", markdown(title=f"Storm report number {n}", body=f"The storm went on {n} days."))
    stack.drain()
    first = search(stack, "storm", limit=3)
    assert len(first["items"]) == 3
    seen = [item["slug"] for item in first["items"]]
    page = first
    while "next" in page:
        page = search(stack, "storm", limit=3, cursor=page["next"]["cursor"])
        seen += [item["slug"] for item in page["items"]]
    assert sorted(seen) == sorted(f"storm-report-number-{n}" for n in range(7))
    response = api(stack).get("/search", params={"q": "storm"})
    again = api(stack).get(
        "/search", params={"q": "storm"}, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def _results(stack: Stack, queries: list[str]) -> list[list[tuple[str, str]]]:
    return [[(i["slug"], i["snippet"]) for i in search(stack, q, limit=20)["items"]] for q in queries]


def test_the_same_results_published_one_by_one_or_imported_together(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "ag"
    folder.mkdir()
    for n, (_, title, body) in enumerate(corpus.rows(80)):  # AG News, a day apart
        at = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}T09:00:00Z"
        (folder / f"ag-{n:02d}.md").write_text(markdown(title=title, body=body, published_at=at))
    queries = ["reuters", "AP -monday", "Mondays", "games team", "companies", "launched", "network", '"hit"']
    with moto_stack(monkeypatch) as one_by_one:
        for file in sorted(folder.iterdir()):
            one_by_one.put(file.name, file.read_text())
            one_by_one.drain()
        singly = _results(one_by_one, queries)
    with moto_stack(monkeypatch) as together:
        run_import(together, tmp_path / "ag")
        together.drain()
        imported = _results(together, queries)
    assert imported == singly
    assert sum(map(len, singly)) > 25  # the queries find something


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=600) | st.text(alphabet='"- abc\x00\u0301ёЁ', max_size=40))
def test_any_query_is_answered_200_or_400_never_500(stack: Stack, q: str) -> None:
    response = api(stack).get("/search", params={"q": q})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["parameter"] == "q"


def test_the_in_memory_index_that_eval_search_uses_answers_as_the_table_does(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.dal.content import ContentTable
    from newsfeed.logic.search.finder import search as find
    from newsfeed.logic.search.indexing import apply
    from newsfeed.logic.search.ranking import Filters
    from newsfeed.models import limits
    from tests.support.memory import MemoryArticles, MemorySearchIndex

    monkeypatch.setattr(limits, "SEARCH_POSTINGS_READ", 5)  # so that common words' reads are cut short
    articles = corpus.ag_articles(60)
    table, memory = ContentTable(stack.table), MemorySearchIndex()
    for start in range(0, 60, 20):  # three batches, then one correcting some articles and removing others
        batch: dict[str, Article | None] = {a.id: a for a in articles[start : start + 20]}
        apply(table.search, batch)
        apply(memory, batch)
    changed = [a.model_copy(update={"title": a.title + " storm"}) for a in articles[:5]]
    last: dict[str, Article | None] = {a.id: a for a in changed} | {a.id: None for a in articles[5:8]}
    for index in (table.search, memory):
        apply(index, last)
    kept = MemoryArticles({a.slug: a for a in articles[8:]} | {a.slug: a for a in changed})

    total = 0
    for text in ["reuters", "storm", "ap -reuters", "monday", '"said on"', "oil prices"]:
        results = [
            [
                f.article.slug
                for f in find(i, kept, text, Filters(), start=0, limit=20, default_language="en").found
            ]
            for i in (table.search, memory)
        ]
        assert results[0] == results[1], text
        total += len(results[0])
    assert total > 15
    assert table.search.corpus() == memory.counts


def test_reindex_rebuilds_the_index_from_the_published_articles(stack: Stack) -> None:
    from newsfeed.cli.reindex import reindex
    from newsfeed.dal.content import ContentTable
    from newsfeed.logic.search.indexing import apply

    for name in STORIES:
        publish(stack, name)
    publish(stack, "wheat.md", status="draft")
    table = ContentTable(stack.table)
    index_items = [
        {"pk": item["pk"], "sk": item["sk"]}
        for item in stack.dynamodb.scan(TableName=stack.table)["Items"]
        if item["pk"]["S"].startswith(("word#", "searched#", "search#"))
    ]
    ferry = table.articles.article_record("ferry-sinks-in-the-caspian-sea")
    wheat = table.articles.article_record("wheat-harvest-breaks-a-record")
    for key in index_items:  # an index that lost everything but a stale entry of the draft
        stack.dynamodb.delete_item(TableName=stack.table, Key=key)
    assert isinstance(wheat, Article) and ferry is not None
    apply(table.search, {wheat.id: wheat.model_copy(update={"status": "published"})})
    assert found(stack, "ferry") == [] and table.search.indexed_ids() == [wheat.id]
    said: list[str] = []
    assert reindex(table, said.append) == 3
    assert found(stack, "ferry") == ["ferry-sinks-in-the-caspian-sea"]
    assert found(stack, "выборов") == ["vybory-v-maslikhaty-proidut-v-marte"]
    assert wheat.id not in table.search.indexed_ids() and len(table.search.indexed_ids()) == 3
    assert said[-1] == "search index: 1 no longer published, taken out"
    assert table.search.corpus().articles == 3


def test_the_site_search_page_shows_results_in_the_theme_with_the_words_marked(stack: Stack) -> None:
    from newsfeed.api.app import SITE_SEARCH

    for name in STORIES:
        publish(stack, name)
    client = api(stack)
    page = client.get(SITE_SEARCH, params={"q": "rescuers"})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<meta name="robots" content="noindex">' in page.text
    assert "<mark>Rescuers</mark>" in page.text
    assert 'href="https://kazpost.example/articles/ferry-sinks-in-the-caspian-sea"' in page.text
    assert 'value="rescuers"' in page.text  # the box keeps what was asked
    hostile = client.get(SITE_SEARCH, params={"q": '"><script>alert(1)</script>'})
    assert hostile.status_code == 200 and "<script>alert" not in hostile.text
    assert "&lt;script&gt;" in hostile.text
    assert "Type the words to look for." in client.get(SITE_SEARCH).text
    assert client.get(SITE_SEARCH, params={"q": "a" * 501}).status_code == 400
    for n in range(12):
        stack.put(f"w{n}.md", markdown(title=f"Wheat market report {n}", body="Wheat prices rose."))
    stack.drain()
    first = client.get(SITE_SEARCH, params={"q": "wheat"}).text
    more = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert more is not None
    second = client.get(
        html.unescape(more.group(1))
        .removeprefix("https://kazpost.example/search")
        .replace("?", f"{SITE_SEARCH}?", 1)
    )
    assert second.status_code == 200 and second.text.count('<li class="card"') == 3  # 13 in all, 10 a page


def test_an_article_of_random_words_is_indexed_under_its_most_frequent_and_stops_nothing(
    stack: Stack,
) -> None:
    """A body of 12,000 different made-up words (more than any article has): its 10,000 most frequent are
    indexed, so that one publish writes a bounded number of postings, and the stream goes on."""
    from newsfeed.models import limits

    letters = "bcdfghjklmnpqrstvwxz"
    made_up = [
        "".join(letters[(n // len(letters) ** k) % len(letters)] for k in range(4)) + "qu"
        for n in range(12_000)
    ]
    body = " ".join(["zebrafinch"] * 5 + made_up)
    stack.put("noise.md", markdown(title="Noise", body=body))
    publish(stack, "ferry.md")
    assert found(stack, "zebrafinch") == ["noise"]
    assert found(stack, "ferry") == ["ferry-sinks-in-the-caspian-sea"]
    noise = ContentTable(stack.table).articles.article_record("noise")
    assert noise is not None
    (kept,) = ContentTable(stack.table).search.indexed([noise.id]).values()
    assert len(kept.terms) == limits.MAX_INDEXED_WORDS


def test_during_an_import_a_live_publish_and_takedown_reach_search_with_their_feeds(
    stack: Stack, tmp_path: Path
) -> None:
    """The publisher indexes live changes as it writes their feeds; an import's wait for the related-lists
    function, which indexes them before relating them."""
    publish(stack, "wheat.md")
    folder = tmp_path / "ag"
    folder.mkdir()
    (folder / "imported.md").write_text(
        markdown(title="Glaciers retreat in the Tian Shan", body="Ice melts.")
    )
    run_import(stack, folder)
    stack.put("ferry.md", markdown(**STORIES["ferry.md"]))
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/wheat.md")
    stack.drain("IngestFunction", "PublisherFunction")  # not the related-lists function
    assert found(stack, "ferry") == ["ferry-sinks-in-the-caspian-sea"]
    assert found(stack, "harvest") == []
    assert found(stack, "glaciers") == []  # the import's turn comes after
    stack.drain()
    assert found(stack, "glaciers") == ["glaciers-retreat-in-the-tian-shan"]


def test_an_imports_record_followed_late_never_undoes_a_live_correction(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "ag"
    folder.mkdir()
    (folder / "quake.md").write_text(markdown(title="Earthquake shakes Almaty", body="Tremors at dawn."))
    run_import(stack, folder)
    stack.put("quake.md", markdown(title="Earthquake shakes Almaty", body="Aftershocks at noon."))
    stack.drain("IngestFunction", "PublisherFunction")  # the correction is indexed, the import not yet
    assert found(stack, "aftershocks") == ["earthquake-shakes-almaty"]
    stack.drain()  # now the related-lists function follows the import's record of the first version
    assert found(stack, "aftershocks") == ["earthquake-shakes-almaty"]
    assert found(stack, "tremors") == []
    stored = ContentTable(stack.table).articles.article_record("earthquake-shakes-almaty")
    assert stored is not None
    (entry,) = ContentTable(stack.table).search.indexed([stored.id]).values()
    assert "tremor" not in entry.terms and "aftershock" in entry.terms


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.one_of(st.text(max_size=300), st.just("a|b|1|nan|2|s||3"), st.just("|" * 9 + "9" * 5000)))
def test_a_damaged_index_item_costs_its_own_article_only(stack: Stack, damage: str) -> None:
    """A posting or an entry that is not one the index wrote (by hand, by a bug) is passed over: searches
    answer, and the stream goes on indexing and taking articles out."""
    publish(stack, "ferry.md")
    table = ContentTable(stack.table)
    ferry = table.articles.article_record("ferry-sinks-in-the-caspian-sea")
    assert isinstance(ferry, Article)
    forged = {"pk": {"S": "word#caspian"}, "sk": {"S": "999999999999"}, "e": {"S": damage}}
    stack.dynamodb.put_item(TableName=stack.table, Item=forged)
    stack.dynamodb.put_item(
        TableName=stack.table,
        Item={"pk": {"S": f"searched#{ferry.id}"}, "sk": {"S": "searched"}, "e": {"S": damage}},
    )
    assert api(stack).get("/search", params={"q": "caspian"}).status_code == 200
    publish(stack, "wheat.md")
    assert found(stack, "harvest") == ["wheat-harvest-breaks-a-record"]
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ferry.md")
    stack.drain()
    assert found(stack, "caspian") == []
