"""A photo dropped into inbox/ in moto, through the ingest and the image function: renditions in the public
bucket, served immutable and without metadata, or a rejection report and nothing public."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from newsfeed.dal.photos import PhotoStore
from newsfeed.models import caching, limits
from newsfeed.models.photo import Photo
from tests.support.moto import Stack, moto_stack
from tests.support.photos import METADATA_MARKS, encoded, exif_with_gps, frames, picture
from tests.support.pipeline import report


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
    assert set(files) == {r.path for r in made.renditions} | {c.path for c in made.crops}
    for rendition in [*made.renditions, *made.crops]:
        served = stack.s3.get_object(Bucket=stack.public, Key=rendition.path)
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
    assert not {r.path for r in first.renditions} & {r.path for r in second.renditions}
    stack.s3.delete_object(Bucket=stack.uploads, Key="inbox/ferry.jpg")
    stack.drain()
    assert photo(stack, "ferry.jpg") is None


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
