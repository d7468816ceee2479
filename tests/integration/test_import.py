"""`newsfeed import` and `export` against moto: bundles applied as uploads, resumable, round-tripping."""

from __future__ import annotations

import json
import time
from pathlib import Path

from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from newsfeed.models.article import Article
from newsfeed.transfer import STATE_FILE, Importer, Summary, export
from tests import corpus
from tests.conftest import Stack
from tests.factories import markdown
from tests.integration.test_pipeline import api, report

COUNT = 250  # three bundles


def run_import(stack: Stack, root: Path, timeout: float = 30) -> Summary:
    progress: list[int] = []
    importer = Importer(
        UploadBucket(stack.uploads),
        root,
        workers=4,
        on_progress=progress.append,
        wait=lambda: stack.drain("IngestFunction"),  # the publisher (feeds, related lists) catches up after
    )
    summary = importer.run(timeout)
    assert sum(progress) == summary.total - summary.pending
    return summary


def files_in(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*.json")}


def slugs(stack: Stack) -> list[str]:
    return sorted(a.slug for a in ContentTable(stack.table).all_articles())


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

    stored = ContentTable(stack.table).article_record("a-story-in-a-folder")
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
    interrupted = Importer(UploadBucket(stack.uploads), tmp_path, wait=lambda: None)
    first = interrupted.run(timeout=0)  # sent, but stopped before any result came back
    assert first.pending == 120
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert {f["outcome"] for f in state["files"].values()} == {"sent"}

    resumed = run_import(stack, tmp_path)
    assert (resumed.pending, resumed.skipped, resumed.accepted + len(resumed.rejected)) == (0, 0, 120)
    bundles = stack.s3.list_objects_v2(Bucket=stack.uploads, Prefix="imports/")["KeyCount"]
    assert bundles == 2  # resuming sent nothing again

    time.sleep(0.01)
    (tmp_path / "ag-00007.md").write_text(corpus.markdown("A corrected headline", "New text."))
    again = run_import(stack, tmp_path)
    assert again.skipped == 119
    assert stack.s3.list_objects_v2(Bucket=stack.uploads, Prefix="imports/")["KeyCount"] == 3
    assert "a-corrected-headline" in slugs(stack)


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
        p.relative_to(tmp_path / "out").as_posix(): p.read_bytes() for p in (tmp_path / "out").rglob("*.json")
    }
    assert "crisis.json" in exported and "draft.json" in exported

    table = ContentTable(stack.table)
    before = {a.slug: a for a in table.all_articles()}
    for name in list(exported):  # empty the stack: delete every upload, drop every record
        stack.s3.delete_object(Bucket=stack.uploads, Key=f"inbox/{name}")
    items = stack.dynamodb.scan(TableName=stack.table)["Items"]
    for item in items:
        stack.dynamodb.delete_item(TableName=stack.table, Key={"pk": item["pk"], "sk": item["sk"]})
    stack.discard_notifications()

    summary = run_import(stack, tmp_path / "out")
    assert summary.accepted == len(exported) and summary.rejected == []
    export(ContentTable(stack.table), tmp_path / "again")
    again = {
        p.relative_to(tmp_path / "again").as_posix(): p.read_bytes()
        for p in (tmp_path / "again").rglob("*.json")
    }
    assert again == exported
    after = {a.slug: a for a in table.all_articles()}
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
    UploadBucket(stack.uploads).withdraw("inbox/crisis.md")  # what `unpublish` and DELETE do
    stack.drain(timeout=300)
    assert api(stack).get(f"/articles/{slug}").status_code == 410
    (tmp_path / "crisis.md").write_text(markdown(summary="Back."))
    run_import(stack, tmp_path)
    assert api(stack).get(f"/articles/{slug}").json()["revision"] == 2
