"""PUT and DELETE /articles/{slug}: checked at once, then applied by the ingest like any upload."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from newsfeed.api.write import create_write_app
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from tests.support.factories import markdown
from tests.support.moto import Stack
from tests.support.pipeline import api

SLUG = "kazakh-leader-offers-explanation-for-crisis"
JSON = {"content-type": "application/json"}
MARKDOWN = {"content-type": "text/markdown; charset=utf-8"}


def writer(stack: Stack) -> TestClient:
    return TestClient(create_write_app(ContentTable(stack.table).articles, UploadBucket(stack.uploads)))


def article_json(**fields: object) -> bytes:
    values: dict[str, object] = {
        "title": "Kazakh leader offers explanation for crisis",
        "section": "Kazakhstan News",
    }
    values |= {"body": "<p>Tokayev has explained the crisis.</p>", **fields}
    return json.dumps(values).encode()


def inbox(stack: Stack) -> list[str]:
    listed = stack.s3.list_objects_v2(Bucket=stack.uploads, Prefix="inbox/").get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_put_publishes_and_put_again_corrects_the_same_article(stack: Stack) -> None:
    response = writer(stack).put(f"/articles/{SLUG}", content=article_json(), headers=JSON)
    assert response.status_code == 202
    assert response.headers["location"] == f"/articles/{SLUG}"
    assert response.json()["upload"] == f"inbox/api/{SLUG}.json"
    stack.drain()
    first = api(stack).get(f"/articles/{SLUG}").json()

    stack.next_moment()
    body = article_json(summary="Corrected.")
    assert writer(stack).put(f"/articles/{SLUG}", content=body, headers=JSON).status_code == 202
    stack.drain()
    second = api(stack).get(f"/articles/{SLUG}").json()
    assert (second["id"], second["revision"], second["summary"]) == (first["id"], 2, "Corrected.")


def test_put_writes_to_the_upload_an_article_came_from(stack: Stack) -> None:
    stack.put("crisis.md", markdown())
    stack.drain()
    stack.next_moment()
    response = writer(stack).put(
        f"/articles/{SLUG}", content=markdown(summary="Via the API."), headers=MARKDOWN
    )
    assert (response.status_code, response.json()["upload"]) == (202, "inbox/crisis.md")
    stack.drain()
    assert api(stack).get(f"/articles/{SLUG}").json()["summary"] == "Via the API."

    refused = writer(stack).put(f"/articles/{SLUG}", content=article_json(), headers=JSON)
    assert refused.status_code == 409
    assert "send it as text/markdown" in refused.json()["detail"]


def test_a_bad_put_is_refused_at_once_with_reasons_and_changes_nothing(stack: Stack) -> None:
    client = writer(stack)
    invalid = client.put(f"/articles/{SLUG}", content=article_json(section="", colour="red"), headers=JSON)
    assert invalid.status_code == 422
    assert {p["field"] for p in invalid.json()["problems"]} == {"section", "colour"}
    other = client.put("/articles/another-slug", content=article_json(), headers=JSON)
    assert other.status_code == 422
    assert other.json()["problems"][0]["field"] == "slug"
    assert (
        client.put(
            f"/articles/{SLUG}", content=b"<p>hi</p>", headers={"content-type": "text/html"}
        ).status_code
        == 415
    )
    big = article_json(body="x" * 300_000)
    assert client.put(f"/articles/{SLUG}", content=big, headers=JSON).status_code == 413
    for date in ("2024-02-30T10:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        dated = client.put(f"/articles/{SLUG}", content=article_json(published_at=date), headers=JSON)
        assert (dated.status_code, dated.json()["problems"][0]["field"]) == (422, "published_at")
    tagged = client.put(f"/articles/{SLUG}", content=markdown(subtitle="!!binary aGVsbG8="), headers=MARKDOWN)
    assert (tagged.status_code, tagged.json()["problems"][0]["field"]) == (422, "front_matter")
    stack.drain()
    assert inbox(stack) == []
    assert api(stack).get("/articles").json()["items"] == []


def test_delete_unpublishes_and_answers_410_after(stack: Stack) -> None:
    client = writer(stack)
    assert client.delete(f"/articles/{SLUG}").status_code == 404
    client.put(f"/articles/{SLUG}", content=article_json(), headers=JSON)
    stack.drain()
    deleted = client.delete(f"/articles/{SLUG}")
    assert (deleted.status_code, deleted.json()["upload"]) == (202, f"inbox/api/{SLUG}.json")
    stack.drain()
    assert api(stack).get(f"/articles/{SLUG}").status_code == 410
    assert SLUG.encode() not in stack.feed()
    assert client.delete(f"/articles/{SLUG}").status_code == 410
