"""PUT and DELETE /articles/{slug}: checked at once, then applied by the ingest like any upload."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from newsfeed.api.write import create_write_app
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from newsfeed.logic.article_photos import names_photo
from newsfeed.models import limits
from tests.support.factories import markdown
from tests.support.local import eventually
from tests.support.moto import Stack
from tests.support.photos import encoded, exif_with_gps, picture
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
    assert response.json()["upload"] == f"inbox/api/{SLUG}/{SLUG}.json"
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
    assert (deleted.status_code, deleted.json()["upload"]) == (202, f"inbox/api/{SLUG}/{SLUG}.json")
    stack.drain()
    assert api(stack).get(f"/articles/{SLUG}").status_code == 410
    assert SLUG.encode() not in stack.feed()
    assert client.delete(f"/articles/{SLUG}").status_code == 410


def send_photo(stack: Stack, slug: str, name: str, data: bytes) -> str:
    """As a CMS does: ask the API for the photo's form, then post the bytes to it (to S3, not the API)."""
    answer = writer(stack).post(f"/articles/{slug}/photos/{name}")
    assert answer.status_code == 200, answer.text
    form = answer.json()["form"]
    sent = requests.post(form["url"], data=form["fields"], files={"file": (name, data)}, timeout=10)
    assert sent.status_code in (200, 204), sent.text
    return str(answer.json()["upload"])


def test_a_cms_sends_a_photo_with_its_article_and_the_article_shows_its_renditions(stack: Stack) -> None:
    key = send_photo(stack, SLUG, "harbour/ferry.jpg", encoded(picture(1600, 1200), exif=exif_with_gps(6)))
    assert key == f"inbox/api/{SLUG}/harbour/ferry.jpg"  # beside the file the article will be written to
    image = {"url": "harbour/ferry.jpg", "alt": "The ferry at Aktau", "credit": "Photo: A. Editor"}
    put = writer(stack).put(f"/articles/{SLUG}", content=article_json(image=image), headers=JSON)
    assert put.status_code == 202

    def published() -> bool:  # at once, or after a wait of 2 s if the photo is still being made
        stack.drain()
        return api(stack).get(f"/articles/{SLUG}").status_code == 200

    eventually(published, sum(limits.PHOTO_WAIT_SECONDS), "the article never took its photo")
    shown = api(stack).get(f"/articles/{SLUG}").json()["image"]
    assert (shown["width"], shown["height"], shown["credit"]) == (1200, 1600, "Photo: A. Editor")
    assert {r["type"] for r in shown["renditions"]} == {"image/avif", "image/webp", "image/jpeg"}

    # A photo for an article the API did not create goes beside that article's own file.
    stack.put("crisis.md", markdown(slug="crisis-explained", title="Crisis explained"))
    stack.drain()
    assert send_photo(stack, "crisis-explained", "lead.png", encoded(picture(), "PNG")) == "inbox/lead.png"


def test_the_photo_form_takes_one_file_up_to_the_photo_limit_at_its_key(stack: Stack) -> None:
    answer = writer(stack).post(f"/articles/{SLUG}/photos/ferry.jpg").json()
    policy = json.loads(base64.b64decode(answer["form"]["fields"]["policy"]))
    assert ["content-length-range", 1, limits.MAX_PHOTO_BYTES] in policy["conditions"]
    assert {"key": f"inbox/api/{SLUG}/ferry.jpg"} in policy["conditions"]
    assert answer["expires_in"] == limits.PHOTO_FORM_SECONDS
    assert inbox(stack) == []  # a form writes nothing


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.one_of(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
        st.from_regex(r"[a-z./]{0,12}\.(jpg|png|svg|txt)", fullmatch=True),
    )
)
def test_any_photo_name_gets_a_form_beside_the_article_or_a_422_naming_it(stack: Stack, name: str) -> None:
    # Dots go percent-encoded: an HTTP client would remove `.` and `..` segments before the API saw them.
    answer = writer(stack).post(f"/articles/{SLUG}/photos/{quote(name, safe='/').replace('.', '%2E')}")
    if answer.status_code == 200:
        key = answer.json()["upload"]
        assert names_photo(name)
        assert key == f"inbox/api/{SLUG}/{name}" and "/../" not in key
    elif "\n" in name and answer.status_code == 404:  # a path with a line break is no route's
        assert answer.headers["content-type"] == "application/problem+json"
    else:
        assert (answer.status_code, answer.json()["problems"][0]["field"]) == (422, "name")
    assert inbox(stack) == []


def test_a_photo_for_a_bad_slug_or_a_moved_article_is_refused(stack: Stack) -> None:
    assert (
        writer(stack).post("/articles/Not_A_Slug/photos/ferry.jpg").json()["problems"][0]["field"] == "slug"
    )
    stack.put("crisis.md", markdown())
    stack.drain()
    stack.next_moment()
    stack.put("crisis.md", markdown(slug="crisis-explained"))
    stack.drain()
    moved = writer(stack).post(f"/articles/{SLUG}/photos/ferry.jpg")
    assert moved.status_code == 404 and "crisis-explained" in moved.json()["detail"]
