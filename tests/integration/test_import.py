"""`newsfeed import` and `export` against moto: bundles applied as uploads, resumable, round-tripping."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from newsfeed.cli.export import export
from newsfeed.cli.transfer import STATE_FILE, Importer, hidden_files
from newsfeed.dal.articles import ArticleStore
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.limits import EXPORT_KEYS
from tests.support import corpus
from tests.support.factories import markdown
from tests.support.moto import Stack, moto_stack
from tests.support.pipeline import api, report, run_import

COUNT = 250  # three bundles


def files_in(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*.json")}


def slugs(stack: Stack) -> list[str]:
    return sorted(a.slug for a in ContentTable(stack.table).articles.all_articles())


def test_a_corpus_directory_is_imported_with_a_summary_and_its_bad_files_explained(
    stack: Stack, tmp_path: Path
) -> None:
    corpus.write_files(tmp_path / "ag", COUNT)
    (tmp_path / "ag" / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (tmp_path / "ag" / "latin1.md").write_bytes(markdown(title="Caf\xe9 prices").encode("latin-1"))
    (tmp_path / "ag" / "notes.txt").write_text("not an article")  # not an upload: ignored
    (tmp_path / "ag" / "sub").mkdir()
    (tmp_path / "ag" / "sub" / "story.json").write_text(
        json.dumps({"title": "A story in a folder", "section": "News", "body": "<p>Hi.</p>"})
    )

    summary = run_import(stack, tmp_path / "ag")

    assert summary.total == COUNT + 3
    assert summary.pending == 0
    rejected = dict(summary.rejected)
    assert set(rejected) >= {"broken.md", "latin1.md"}
    assert "UTF-8" in " ".join(rejected["latin1.md"])
    duplicates = {name for name, problems in rejected.items() if "already used" in " ".join(problems)}
    assert set(rejected) == {"broken.md", "latin1.md"} | duplicates  # AG News repeats a few titles
    assert summary.accepted == COUNT + 1 - len(duplicates)
    assert summary.outcomes["published"] == summary.accepted

    stored = ContentTable(stack.table).articles.article_record("a-story-in-a-folder")
    assert isinstance(stored, Article)
    assert stored.source_key == "inbox/sub/story.json"
    assert report(stack, "inbox/broken.md") is not None  # the same rejection report as an upload's
    stack.drain(timeout=300)
    assert len(api(stack).get("/articles", params={"limit": 100}).json()["items"]) == 100
    assert b"<item>" in stack.feed()


def test_an_interrupted_import_resumes_and_a_second_run_sends_only_what_changed(
    stack: Stack, tmp_path: Path
) -> None:
    corpus.write_files(tmp_path, 120)
    interrupted = Importer(
        UploadBucket(stack.uploads), ContentTable(stack.table), tmp_path, wait=lambda: None
    )
    first = interrupted.run(timeout=0)  # sent, but stopped before any result came back
    assert first.pending == 120
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert {f["outcome"] for f in state["files"].values()} == {"sent"}

    resumed = run_import(stack, tmp_path)
    assert (resumed.pending, resumed.skipped, resumed.accepted + len(resumed.rejected)) == (0, 0, 120)
    bundles = stack.s3.list_objects_v2(Bucket=stack.uploads, Prefix="imports/")["KeyCount"]
    assert bundles == 2  # resuming sent nothing again

    stack.next_moment()
    before = set(slugs(stack))
    kept_body = (tmp_path / "ag-00007.md").read_text().split("---\n", 2)[2]  # a correction keeps its story
    (tmp_path / "ag-00007.md").write_text(corpus.markdown("A corrected headline", kept_body + "New text."))
    again = run_import(stack, tmp_path)
    assert again.skipped == 119
    assert stack.s3.list_objects_v2(Bucket=stack.uploads, Prefix="imports/")["KeyCount"] == 3
    assert set(slugs(stack)) == before  # the corrected title keeps the article's URL
    corrected = ContentTable(stack.table).articles.upload_record("inbox/ag-00007.md")
    assert corrected is not None
    article = ContentTable(stack.table).articles.article_record(corrected.slug)
    assert isinstance(article, Article) and article.title == "A corrected headline" and article.revision == 2


def test_an_upload_of_the_same_key_wins_over_an_import_and_deleting_it_unpublishes(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "crisis.md").write_text(markdown(summary="Imported."))
    run_import(stack, tmp_path)
    slug = "kazakh-leader-offers-explanation-for-crisis"
    assert api(stack).get(f"/articles/{slug}").json()["summary"] == "Imported."

    stack.put("crisis.md", markdown(summary="Uploaded."))  # the same key, inbox/crisis.md
    stack.drain(timeout=300)
    assert api(stack).get(f"/articles/{slug}").json()["summary"] == "Uploaded."
    (tmp_path / "crisis.md").write_text(markdown(summary="Imported again."))
    assert run_import(stack, tmp_path).outcomes == {"stale": 1}  # the upload is newer than any import
    assert api(stack).get(f"/articles/{slug}").json()["summary"] == "Uploaded."

    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/crisis.md")
    stack.drain(timeout=300)
    assert api(stack).get(f"/articles/{slug}").status_code == 410


def test_export_then_import_into_an_empty_stack_round_trips(stack: Stack, tmp_path: Path) -> None:
    corpus.write_files(tmp_path / "in", 60)
    (tmp_path / "in" / "draft.md").write_text(markdown(title="Not yet", status="draft"))
    run_import(stack, tmp_path / "in")
    stack.put(
        "crisis.md",
        markdown(
            tags="[Politics, Economy]", authors="[A. Writer]", related="[not-yet]", show_in_related="false"
        ),
    )
    stack.drain(timeout=300)
    assert export(ContentTable(stack.table), tmp_path / "out") == len(slugs(stack))
    exported = {
        p.relative_to(tmp_path / "out").as_posix(): p.read_bytes()
        for p in (tmp_path / "out").rglob("*.json")
        if not p.name.startswith(".")
    }
    assert "crisis.json" in exported and "draft.json" in exported
    renamed = json.loads((tmp_path / "out" / EXPORT_KEYS).read_text())["upload_keys"]
    assert renamed == {"crisis.json": "inbox/crisis.md", "draft.json": "inbox/draft.md"} | {
        name: f"inbox/{name.removesuffix('.json')}.md" for name in exported if name.startswith("ag-")
    }

    table = ContentTable(stack.table)
    before = {a.slug: a for a in table.articles.all_articles()}
    for name in list(exported):  # empty the stack: delete every upload, drop every record
        stack.s3.delete_object(Bucket=stack.uploads, Key=renamed.get(name, f"inbox/{name}"))
    pages = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.table)
    for item in [item for page in pages for item in page["Items"]]:
        stack.dynamodb.delete_item(TableName=stack.table, Key={"pk": item["pk"], "sk": item["sk"]})
    stack.discard_notifications()

    summary = run_import(stack, tmp_path / "out")
    assert summary.accepted == len(exported) and summary.rejected == []
    export(ContentTable(stack.table), tmp_path / "again")
    again = {
        p.relative_to(tmp_path / "again").as_posix(): p.read_bytes()
        for p in (tmp_path / "again").rglob("*.json")
        if not p.name.startswith(".")
    }
    assert json.loads((tmp_path / "again" / EXPORT_KEYS).read_text())["upload_keys"] == renamed
    assert again == exported
    after = {a.slug: a for a in table.articles.all_articles()}
    fields = "title body summary tags authors published_at updated_at status related_slugs show_in_related"
    assert {s: [getattr(a, f) for f in fields.split()] for s, a in after.items()} == {
        s: [getattr(a, f) for f in fields.split()] for s, a in before.items()
    }


def test_an_imported_article_is_unpublished_by_deleting_its_key(stack: Stack, tmp_path: Path) -> None:
    """It has no object under inbox/, yet deleting the key (as `newsfeed unpublish` does) takes it down."""
    (tmp_path / "crisis.md").write_text(markdown())
    run_import(stack, tmp_path)
    slug = "kazakh-leader-offers-explanation-for-crisis"
    assert api(stack).get(f"/articles/{slug}").status_code == 200
    UploadBucket(stack.uploads).unpublish("inbox/crisis.md")  # what `unpublish` and DELETE do
    stack.drain(timeout=300)
    assert api(stack).get(f"/articles/{slug}").status_code == 410
    (tmp_path / "crisis.md").write_text(markdown(summary="Back."))
    run_import(stack, tmp_path)
    assert api(stack).get(f"/articles/{slug}").json()["revision"] == 2


BAD_FILES = {
    "bad-day.md": "published_at: 2024-02-30T10:00:00+05:00",
    "bad-year.md": "published_at: 0001-01-01T00:00:00+05:00",
    "year-10000.md": "published_at: 10000-01-01T00:00:00Z",
    "bad-tag.md": "title: !!binary aGVsbG8=",
    "bad-image.md": 'image: {url: "https://example.com/a\\u0007b.jpg"}',
}


def test_a_bad_file_costs_only_itself_in_its_bundle(stack: Stack, tmp_path: Path) -> None:
    corpus.write_files(tmp_path, 9)
    for name, line in BAD_FILES.items():
        (tmp_path / name).write_text(f"---\ntitle: A story\nsection: World\n{line}\n---\nText.\n")

    summary = run_import(stack, tmp_path)

    assert summary.pending == 0
    assert summary.accepted + len(summary.rejected) == 9 + len(BAD_FILES)
    rejected = dict(summary.rejected)
    assert set(BAD_FILES) <= set(rejected)
    assert "calendar" in rejected["bad-day.md"][0] and "outside" in rejected["bad-year.md"][0]
    assert "outside the dates" in rejected["year-10000.md"][0]
    assert "U+0007" in rejected["bad-image.md"][0]
    assert "!!binary" in rejected["bad-tag.md"][0]
    assert summary.accepted == len(slugs(stack)) >= 8  # (AG News may repeat a title among the nine)
    assert report(stack, "inbox/bad-day.md") is not None


def test_an_import_into_a_stack_that_lost_its_state_sends_again_what_the_stack_lacks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A local stack restarted empty: the state file calls 60 files imported and 60 sent, but the stack holds
    none of them and has none of their bundles. The next run re-sends all 120 and waits on nothing gone."""
    root, later = tmp_path / "archive", tmp_path / "later"
    corpus.write_files(root, 120)
    later.mkdir()
    for path in sorted(root.iterdir())[60:]:
        path.rename(later / path.name)
    with moto_stack(monkeypatch) as before:
        assert run_import(before, root).pending == 0
        for path in later.iterdir():
            path.rename(root / path.name)
        interrupted = Importer(
            UploadBucket(before.uploads), ContentTable(before.table), root, wait=lambda: None
        )
        assert interrupted.run(timeout=0).pending == 60  # sent; the stack stops before applying them

    with moto_stack(monkeypatch) as after:  # the same names, nothing in them
        summary = run_import(after, root)
        assert (summary.pending, summary.skipped, summary.accepted + len(summary.rejected)) == (0, 0, 120)
        assert summary.accepted == len(slugs(after))
        again = run_import(after, root)  # and now the state is true: nothing to send
        assert (again.skipped, again.pending) == (120, 0)
        assert after.s3.list_objects_v2(Bucket=after.uploads, Prefix="imports/")["KeyCount"] == 2


def test_a_state_file_of_another_stack_is_set_aside(stack: Stack, tmp_path: Path) -> None:
    corpus.write_files(tmp_path, 5)
    (tmp_path / STATE_FILE).write_text(
        json.dumps(
            {
                "stack": "other-uploads other-table",
                "files": {"ag-00001.md": {"etag": "x", "outcome": "published"}},
            }
        )
    )
    summary = run_import(stack, tmp_path)
    assert summary.skipped == 0 and summary.accepted + len(summary.rejected) == 5
    assert json.loads((tmp_path / STATE_FILE).read_text())["stack"] == f"{stack.uploads} {stack.table}"


def test_every_file_gets_its_own_verdict_whatever_its_name(stack: Stack, tmp_path: Path) -> None:
    """A name no upload can have is that file's refusal alone; `.MD` is Markdown; hidden files are skipped
    and named; and a bundle another tool wrote with a bad file in it costs only that file."""
    story = partial(markdown, section="World")
    (tmp_path / "tab\tname.md").write_text(story(title="A story behind a tab"))
    (tmp_path / "line\nbreak.md").write_text(story(title="A story behind a line break"))
    (tmp_path / "LOUD.MD").write_text(story(title="A story in capitals"))
    (tmp_path / "Notes.Markdown").write_text(story(title="A story in mixed case"))
    (tmp_path / ".draft.md").write_text(story(title="A hidden draft"))
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "copy.md").write_text(story(title="A hidden copy"))
    (tmp_path / "good.md").write_text(story(title="A good story"))

    summary = run_import(stack, tmp_path)

    assert summary.pending == 0 and summary.total == 5
    rejected = dict(summary.rejected)
    assert set(rejected) == {"tab\tname.md", "line\nbreak.md"}
    assert "U+0009" in rejected["tab\tname.md"][0] and "U+000A" in rejected["line\nbreak.md"][0]
    assert slugs(stack) == ["a-good-story", "a-story-in-capitals", "a-story-in-mixed-case"]
    assert hidden_files(tmp_path) == [".cache/copy.md", ".draft.md"]

    bundle = {
        "files": [
            {"key": "inbox/other\ttool.md", "body": story(title="Sent by another tool")},
            {"key": "inbox/other.md", "body": story(title="Sent by another tool too")},
            {"key": "outbox/wrong.md", "body": story(title="Sent to the wrong place")},
        ]
    }
    stack.s3.put_object(
        Bucket=stack.uploads, Key="imports/other/00000.json", Body=json.dumps(bundle).encode()
    )
    stack.drain("IngestFunction")
    result = UploadBucket(stack.uploads).read_import_result("imports/other/00000.json")
    assert result is not None
    outcomes = {f.key: (f.outcome, " ".join(map(str, f.problems))) for f in result.files}
    assert outcomes["inbox/other.md"] == ("published", "")
    assert (
        outcomes["inbox/other\ttool.md"][0] == "rejected" and "U+0009" in outcomes["inbox/other\ttool.md"][1]
    )
    assert outcomes["outbox/wrong.md"][0] == "rejected" and "inbox/" in outcomes["outbox/wrong.md"][1]


def test_a_bundle_that_cannot_be_read_leaves_a_result_naming_why(stack: Stack) -> None:
    """So that `newsfeed import` reports its files refused instead of waiting for them."""
    stack.s3.put_object(Bucket=stack.uploads, Key="imports/other/00001.json", Body=b'{"files": 3}')
    stack.drain("IngestFunction")
    result = UploadBucket(stack.uploads).read_import_result("imports/other/00001.json")
    assert result is not None and result.files == [] and result.problems


def test_two_imports_of_one_folder_at_once_leave_one_article_per_file_and_true_verdicts(
    stack: Stack, tmp_path: Path
) -> None:
    """Two runs' bundles of the same files, the second applied in full between the first one's reads of
    the upload records and of the articles (the window in which it used to see its own file's article as
    another's): one article per file, no invented conflict, no report left behind."""
    from newsfeed.logic.bulk import apply_bundle
    from newsfeed.logic.ingest import Ingest
    from newsfeed.models.upload import ChangeKind, UploadChange

    files = corpus.write_files(tmp_path, 12)
    uploads, table = UploadBucket(stack.uploads), ContentTable(stack.table)
    body = {
        "files": [{"key": f"inbox/{name}", "body": (tmp_path / name).read_text()} for name in sorted(files)]
    }
    changes: list[UploadChange] = []
    for run in ("first", "second"):
        key = f"imports/{run}/00000.json"
        etag = uploads.upload(key, json.dumps(body).encode())
        changes.append(
            UploadChange(
                kind=ChangeKind.PUT,
                bucket=stack.uploads,
                key=key,
                etag=etag,
                sequencer=f"{len(changes) + 1:016X}",
                event_time=datetime.now(UTC),
            )
        )
    ingest = Ingest(files=uploads, store=table.articles, default_language="en")

    class Overtaken(ArticleStore):
        """The first run's store: the second run lands while it is between its two reads."""

        def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
            if not second_done:
                second_done.append(apply_bundle(ingest, table.articles, changes[1]))
            return super().article_records(slugs)

    second_done: list[object] = []
    first = apply_bundle(ingest, Overtaken(stack.table), changes[0])

    assert second_done and not first.problems, first.problems
    stored = list(table.articles.all_articles())
    by_key: dict[str, list[str]] = {}
    for article in stored:
        by_key.setdefault(article.source_key, []).append(article.slug)
    assert all(len(slugs) == 1 for slugs in by_key.values()), by_key
    for change in changes:
        result = uploads.read_import_result(change.key)
        assert result is not None
        assert not [f for f in result.files if f.outcome == "rejected" and "already used" in str(f.problems)]
    assert all(report(stack, f"inbox/{name}") is None for name in files)
