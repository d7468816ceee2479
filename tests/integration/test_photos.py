"""A photo dropped into inbox/ in moto, through the ingest and the image function: renditions in the public
bucket, served immutable and without metadata, or a rejection report and nothing public."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from newsfeed.cli.export import export, sent_photos
from newsfeed.cli.transfer import Importer
from newsfeed.dal.content import ContentTable
from newsfeed.dal.photos import PhotoStore
from newsfeed.dal.uploads import UploadBucket
from newsfeed.models import caching, limits
from newsfeed.models.photo import Photo, rendition_key
from tests.support.factories import markdown
from tests.support.local import eventually
from tests.support.moto import Stack, moto_stack
from tests.support.photos import METADATA_MARKS, encoded, exif_with_gps, frames, picture
from tests.support.pipeline import api, report


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with moto_stack(monkeypatch) as running:
        yield running


def public_images(stack: Stack) -> dict[str, Any]:
    listed = stack.s3.list_objects_v2(Bucket=stack.public, Prefix=limits.PHOTO_PREFIX).get("Contents", [])
    return {item["Key"]: item for item in listed}


def photo(stack: Stack, name: str) -> Photo | None:
    return PhotoStore(stack.table, stack.dynamodb).photo(f"inbox/{name}")


def test_a_photo_becomes_public_renditions_with_no_metadata(stack: Stack) -> None:
    stack.put("harbour/ferry.jpg", encoded(picture(1600, 1200), "JPEG", exif=exif_with_gps(6)))
    stack.drain()
    made = photo(stack, "harbour/ferry.jpg")
    assert made is not None
    assert (made.width, made.height) == (1200, 1600)  # as it is seen: turned by its EXIF orientation
    assert report(stack, "inbox/harbour/ferry.jpg") is None
    files = public_images(stack)
    assert set(files) == {rendition_key(r) for r in [*made.renditions, *made.crops]}
    for rendition in [*made.renditions, *made.crops]:
        served = stack.s3.get_object(Bucket=stack.public, Key=rendition_key(rendition))
        assert served["ContentType"] == rendition.type
        assert served["CacheControl"] == caching.PHOTO
        body = served["Body"].read()
        assert not [mark for mark in METADATA_MARKS if mark in body]
        assert Image.open(io.BytesIO(body)).size == (rendition.width, rendition.height)


def test_a_corrected_photo_gets_new_addresses_and_a_deleted_one_is_forgotten(stack: Stack) -> None:
    stack.put("ferry.jpg", encoded(picture()))
    stack.drain()
    first = photo(stack, "ferry.jpg")
    stack.put("ferry.jpg", encoded(picture().rotate(180)))
    stack.drain()
    second = photo(stack, "ferry.jpg")
    assert first is not None and second is not None
    assert first.digest != second.digest
    assert not {r.url for r in first.renditions} & {r.url for r in second.renditions}
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ferry.jpg")
    stack.drain()
    assert photo(stack, "ferry.jpg") is None


def test_a_refused_correction_of_a_photo_refuses_the_article_naming_it(stack: Stack) -> None:
    stack.put("ferry.jpg", encoded(picture()))
    stack.drain()
    stack.put("ferry.jpg", encoded(picture())[:3_000])  # the corrected file arrives cut short
    stack.drain()
    assert photo(stack, "ferry.jpg") is None  # not the earlier version, silently
    stack.put("ferry.md", article_with_photo())
    stack.drain()
    written = report(stack, "inbox/ferry.md")
    assert written is not None and "ferry.jpg was refused: file: " in written["problems"][0]["message"]
    assert api(stack).get("/articles/ferry-with-a-photo").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        ("ferry.jpg", b"<html><script>alert(1)</script></html>", "not a photo"),
        ("cut.jpg", encoded(picture())[:5_000], "cut short"),
        ("anim.gif", frames(), "animated"),
    ],
)
def test_a_bad_photo_gets_a_report_and_nothing_is_public(
    stack: Stack, name: str, data: bytes, says: str
) -> None:
    etag = stack.put(name, data)
    stack.drain()
    written = report(stack, f"inbox/{name}")
    assert written is not None and written["etag"] == etag
    assert says in written["problems"][0]["message"]
    assert public_images(stack) == {}
    assert photo(stack, name) is None


def article_with_photo(ref: str = "ferry.jpg", title: str = "Ferry with a photo") -> str:
    image = f"{{url: {ref}, alt: A ferry leaving Aktau, caption: The first crossing, credit: KazPost}}"
    return markdown(title=title, image=image)


def stored_image(stack: Stack, slug: str) -> dict[str, Any]:
    answer = api(stack).get(f"/articles/{slug}")
    assert answer.status_code == 200, answer.text
    image: dict[str, Any] = answer.json()["image"]
    return image


def test_an_article_with_its_photo_beside_it_shows_the_renditions(stack: Stack) -> None:
    stack.put("harbour/ferry.jpg", encoded(picture(1600, 1200)))
    stack.drain()
    stack.put("harbour/ferry.md", article_with_photo())
    stack.drain()
    made = photo(stack, "harbour/ferry.jpg")
    assert made is not None
    image = stored_image(stack, "ferry-with-a-photo")
    site = "https://kazpost.example"
    assert image["url"] == f"{site}/images/{made.digest}/w1600.jpg"  # the widest JPEG
    assert (image["width"], image["height"]) == (1600, 1200)
    assert (image["alt"], image["caption"], image["credit"]) == (
        "A ferry leaving Aktau",
        "The first crossing",
        "KazPost",
    )
    assert [r["url"] for r in image["renditions"]] == [site + r.url for r in made.renditions]
    assert {c["name"] for c in image["crops"]} == {"og", "16x9", "4x3", "1x1"}
    # A corrected photo under the same name, and the article sent again: new addresses.
    stack.put("harbour/ferry.jpg", encoded(picture(1600, 1200).rotate(180)))
    stack.drain()
    stack.put("harbour/ferry.md", article_with_photo())
    stack.drain()
    corrected = stored_image(stack, "ferry-with-a-photo")
    assert corrected["url"] != image["url"] and corrected["url"].endswith("/w1600.jpg")


def test_an_article_sent_before_its_photo_waits_for_it(stack: Stack) -> None:
    stack.put("ferry.md", article_with_photo())
    stack.drain()
    assert api(stack).get("/articles/ferry-with-a-photo").status_code == 404  # waiting, not refused
    assert report(stack, "inbox/ferry.md") is None
    stack.put("ferry.jpg", encoded(picture()))

    def published() -> bool:
        stack.drain()
        return api(stack).get("/articles/ferry-with-a-photo").status_code == 200

    eventually(published, sum(limits.PHOTO_WAIT_SECONDS), "the article never took its photo")
    assert stored_image(stack, "ferry-with-a-photo")["renditions"]


def test_an_article_naming_a_refused_photo_is_refused_with_the_photos_reasons(stack: Stack) -> None:
    stack.put("ferry.jpg", b"<svg onload='alert(1)'/>")
    stack.drain()
    stack.put("ferry.md", article_with_photo())
    stack.drain()
    written = report(stack, "inbox/ferry.md")
    assert written is not None
    assert written["problems"][0]["field"] == "image"
    assert "ferry.jpg was refused: file: is an SVG drawing" in written["problems"][0]["message"]
    assert api(stack).get("/articles/ferry-with-a-photo").status_code == 404


def test_an_image_url_still_works_and_a_path_outside_the_folder_is_refused(stack: Stack) -> None:
    stack.put("linked.md", markdown(title="Linked photo", image="{url: https://photos.example/a.jpg}"))
    stack.put("escape.md", markdown(title="Escaping photo", image="{url: ../secret.jpg}"))
    stack.drain()
    linked = stored_image(stack, "linked-photo")
    assert linked["url"] == "https://photos.example/a.jpg"
    assert not linked.get("renditions") and not linked.get("width")
    written = report(stack, "inbox/escape.md")
    assert written is not None and "beside the article" in written["problems"][0]["message"]


def test_a_takedown_withdraws_the_photo_unless_another_public_article_shows_it(stack: Stack) -> None:
    photo_bytes = encoded(picture(900, 600))
    for folder in ("first", "second"):  # the same photo, sent with two stories
        stack.put(f"{folder}/ferry.jpg", photo_bytes)
        stack.drain()
        stack.put(f"{folder}/story.md", article_with_photo(title=f"Ferry story {folder}"))
        stack.drain()
    assert public_images(stack)
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/first/story.md")  # a legal takedown
    stack.drain()
    assert stored_image(stack, "ferry-story-second")["renditions"]
    second = photo(stack, "second/ferry.jpg")
    assert second is not None
    assert {rendition_key(r) for r in second.renditions} <= set(public_images(stack))  # still shown
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/second/story.md")
    stack.drain()
    assert public_images(stack) == {}  # no public article shows it: not served any more
    assert photo(stack, "first/ferry.jpg") is None and photo(stack, "second/ferry.jpg") is None
    # Sent again with a story, it is made again.
    stack.put("third/ferry.jpg", photo_bytes)
    stack.drain()
    stack.put("third/story.md", article_with_photo(title="Ferry story third"))
    stack.drain()
    assert stored_image(stack, "ferry-story-third")["renditions"] and public_images(stack)


def test_a_story_given_another_photo_withdraws_the_old_one(stack: Stack) -> None:
    stack.put("ferry.jpg", encoded(picture(900, 600)))
    stack.drain()
    stack.put("story.md", article_with_photo(title="Ferry story"))
    stack.drain()
    old = photo(stack, "ferry.jpg")
    stack.put("harbour.jpg", encoded(picture(900, 600).rotate(180)))
    stack.drain()
    stack.put("story.md", article_with_photo("harbour.jpg", title="Ferry story"))
    stack.drain()
    assert old is not None
    shown = public_images(stack)
    assert not [key for key in shown if old.digest in key]
    assert stored_image(stack, "ferry-story")["url"].endswith("/w900.jpg") and shown


def test_import_carries_photos_and_export_gives_them_back(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "2024" / "photos").mkdir(parents=True)
    (folder / "2024" / "photos" / "ferry.jpg").write_bytes(encoded(picture(1300, 900)))
    (folder / "2024" / "photos" / "deck.png").write_bytes(encoded(picture(900, 600), "PNG"))
    ferry = article_with_photo("photos/ferry.jpg", "Imported ferry")
    (folder / "2024" / "ferry.md").write_text(ferry + "\n\nOn deck:\n\n![The deck](photos/deck.png)\n")
    (folder / "2024" / "lost.md").write_text(article_with_photo("photos/nowhere.jpg", "Photo never sent"))
    (folder / "logo.svg").write_text("<svg/>")
    (folder / "drawing.md").write_text(article_with_photo("logo.svg", "Drawing as a photo"))
    importer = Importer(
        UploadBucket(stack.uploads),
        ContentTable(stack.table),
        folder,
        wait=lambda: stack.drain("IngestFunction", "PhotoFunction"),
    )
    summary = importer.run(timeout=60)
    stack.drain()
    rejected = dict(summary.rejected)
    assert set(rejected) == {"2024/lost.md", "drawing.md"}, rejected
    assert "image: photos/nowhere.jpg: No such file or directory" in rejected["2024/lost.md"][0]
    assert "image: logo.svg was refused: file: is an SVG drawing" in rejected["drawing.md"][0]
    image = stored_image(stack, "imported-ferry")
    assert image["width"] == 1300 and len(image["renditions"]) == 12

    out = tmp_path / "export"
    table = ContentTable(stack.table)
    assert export(table, out, original=sent_photos(UploadBucket(stack.uploads), table)) == 1
    exported = json.loads((out / "2024" / "ferry.json").read_text())
    assert exported["image"] == {
        "url": "photos/ferry.jpg",  # beside the article, as it was sent
        "alt": "A ferry leaving Aktau",
        "caption": "The first crossing",
        "credit": "KazPost",
    }
    for name in ("ferry.jpg", "deck.png"):  # the photos as sent, the body's too, named as they were
        assert (out / "2024" / "photos" / name).read_bytes() == (
            folder / "2024" / "photos" / name
        ).read_bytes()
    assert '<img src="photos/deck.png" alt="The deck">' in exported["body"]
    # Into an empty stack: the photo comes along and is made again.
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/2024/ferry.md")
    stack.drain()
    summary = Importer(
        UploadBucket(stack.uploads), table, out, wait=lambda: stack.drain("IngestFunction", "PhotoFunction")
    ).run(60)
    stack.drain()
    assert summary.rejected == []
    again = stored_image(stack, "imported-ferry")
    assert again["url"] == image["url"]  # the same photo: the same renditions, at the same addresses
    assert len(api(stack).get("/articles/imported-ferry").json()["body_images"]) == 1
    second = tmp_path / "again"
    export(table, second, original=sent_photos(UploadBucket(stack.uploads), table))
    assert (second / "2024" / "ferry.json").read_bytes() == (out / "2024" / "ferry.json").read_bytes()


def test_crops_keep_the_focus_the_editor_gives(stack: Stack) -> None:
    stack.put("ferry.jpg", encoded(picture(1600, 900)))  # red in its top left quarter
    stack.drain()
    image = "{url: ferry.jpg, alt: A ferry, focus: '0.1, 0.2'}"
    stack.put("story.md", markdown(title="Focused story", image=image))

    def published() -> bool:
        stack.drain()
        return api(stack).get("/articles/focused-story").status_code == 200

    eventually(published, sum(limits.PHOTO_WAIT_SECONDS), "the article never got its crops")
    shown = stored_image(stack, "focused-story")
    assert shown["focus"] == {"x": 0.1, "y": 0.2}
    square = next(c for c in shown["crops"] if c["name"] == "1x1")
    assert square["url"].endswith("/1x1-10-20.jpg")
    body = stack.s3.get_object(Bucket=stack.public, Key=square["url"].split("/", 3)[3])["Body"].read()
    with Image.open(io.BytesIO(body)) as crop:
        red = crop.convert("RGB").getpixel((crop.width // 4, crop.height // 4))
        assert isinstance(red, tuple) and red[0] > 150  # the red corner
    centred = photo(stack, "ferry.jpg")
    assert centred is not None and centred.crops[0].url.endswith("-50-50.jpg")  # still there for others


def test_photos_in_the_body_are_shown_from_their_renditions_with_their_size(stack: Stack) -> None:
    stack.put("photos/harbour.jpg", encoded(picture(1000, 600)))
    stack.drain()
    body = "The harbour at dawn:\n\n![The harbour](photos/harbour.jpg)\n\n![Elsewhere](https://photos.example/a.jpg)"
    stack.put("story.md", markdown(title="Harbour story", body=body))
    stack.drain()
    made = photo(stack, "photos/harbour.jpg")
    assert made is not None
    shown = api(stack).get("/articles/harbour-story").json()["body"]
    assert f'<img src="/images/{made.digest}/w1000.jpg"' in shown  # a path on the site, like any other link
    assert 'width="1000" height="600" loading="lazy"' in shown
    assert 'src="https://photos.example/a.jpg"' in shown  # an address stays as it is
    # An app gets each body photo's renditions under the address its <img> has, to pick its own size.
    answered = api(stack).get("/articles/harbour-story").json()["body_images"]
    assert [(i["url"], i["width"], i["height"]) for i in answered] == [
        (f"https://kazpost.example/images/{made.digest}/w1000.jpg", 1000, 600)
    ]
    assert {(r["width"], r["type"]) for r in answered[0]["renditions"]} == {
        (w, kind) for w in (480, 800, 1000) for kind in ("image/avif", "image/webp", "image/jpeg")
    }
    # The page shows it as the lead photo is shown: every format at every width, its size, loaded lazily.
    page = stack.s3.get_object(Bucket=stack.public, Key="articles/harbour-story")["Body"].read().decode()
    body = page[page.index('<div class="body">') :]
    shown = re.search(r"<picture>(.*?)</picture>", body)
    assert shown is not None
    for ext, kind in (("avif", "image/avif"), ("webp", "image/webp")):
        srcset = ", ".join(
            f"https://kazpost.example/images/{made.digest}/w{w}.{ext} {w}w" for w in (480, 800, 1000)
        )
        assert f'<source type="{kind}" srcset="{srcset}"' in shown[1]
    assert 'width="1000" height="600" alt="The harbour" loading="lazy"' in shown[1]
    assert '<img src="https://photos.example/a.jpg"' in body  # an image elsewhere stays an <img>
    stack.put("broken.md", markdown(title="Broken body photo", body="![x](photos/missing.jpg)"))
    stack.drain()  # waits for it (then refuses); here: the article is not public meanwhile
    assert api(stack).get("/articles/broken-body-photo").status_code == 404


def test_a_takedown_withdraws_the_photos_of_its_body_too(stack: Stack) -> None:
    stack.put("photos/harbour.jpg", encoded(picture(700, 500)))
    stack.drain()
    stack.put("story.md", markdown(title="Harbour body", body="![The harbour](photos/harbour.jpg)"))
    stack.drain()
    assert public_images(stack)
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/story.md")
    stack.drain()
    assert public_images(stack) == {}


def test_an_article_waiting_for_its_photo_is_a_retry_not_an_error(stack: Stack) -> None:
    from infra.event_sources import LambdaContext

    from newsfeed.handlers.ingest import handler

    stack.put("waiting.md", article_with_photo("not-yet.jpg", "Waiting story"))
    ingest = stack.source("IngestFunction")
    messages = ingest.client.receive_message(QueueUrl=ingest.queue_url, AttributeNames=["All"])["Messages"]
    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:IngestQueue",
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }
    answer = handler(event, LambdaContext("IngestFunction"))  # no exception: Lambda counts no error
    assert answer == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert report(stack, "inbox/waiting.md") is None  # waiting, not refused


def test_export_never_writes_a_photo_the_article_does_not_show(stack: Stack, tmp_path: Path) -> None:
    stack.put("ferry.jpg", encoded(picture()))
    stack.drain()
    stack.put("ferry.md", article_with_photo())
    stack.drain()
    shown = stored_image(stack, "ferry-with-a-photo")["url"]
    stack.put("ferry.jpg", encoded(picture().rotate(180)))  # corrected, but the article was not sent again
    stack.drain()
    table = ContentTable(stack.table)
    export(table, tmp_path, original=sent_photos(UploadBucket(stack.uploads), table))
    exported = json.loads((tmp_path / "ferry.json").read_text())
    assert not (tmp_path / "ferry.jpg").exists()  # not the other picture under the shown one's name
    assert shown.endswith(exported["image"]["url"])  # the address of the picture it shows
