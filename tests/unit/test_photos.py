"""Every photo an editor might send, hostile or damaged ones among them, is a verdict or correct renditions:
never a crash, never metadata in public, never an upscaled or misplaced picture."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from newsfeed.logic.photos.decode import Decoded, decode
from newsfeed.logic.photos.renditions import crop_box, digest_of, render, widths_for
from newsfeed.models import limits
from newsfeed.models.photo import Crop, Focus
from newsfeed.models.upload import Problem
from tests.support.photos import METADATA_MARKS, encoded, exif_with_gps, frames, picture, png_bomb


def refused(data: bytes) -> str:
    result = decode(data)
    assert isinstance(result, list), "accepted"
    assert all(isinstance(p, Problem) for p in result)
    return " ".join(p.message for p in result)


def accepted(data: bytes) -> Image.Image:
    result = decode(data)
    assert isinstance(result, Decoded), result
    assert result.image.mode == "RGB"
    assert not result.image.info  # nothing of the original's metadata comes along
    return result.image


def test_every_rendition_and_crop_is_there_small_and_without_metadata() -> None:
    source = encoded(picture(1300, 975), "JPEG", exif=exif_with_gps(), icc_profile=b"", comment=b"secret")
    files = render(accepted(source), digest_of(source), Focus())
    widths = {f.rendition.width for f in files if not isinstance(f.rendition, Crop)}
    assert widths == {480, 800, 1200, 1300}  # never upscaled: its own width is the widest
    assert {f.rendition.type for f in files} == {"image/avif", "image/webp", "image/jpeg"}
    crops = {f.rendition.name: f.rendition for f in files if isinstance(f.rendition, Crop)}
    assert {name: (c.width, c.height) for name, c in crops.items()} == {
        "og": (1200, 630),
        "16x9": (1200, 675),
        "4x3": (1200, 900),
        "1x1": (975, 975),
    }
    for file in files:
        for mark in METADATA_MARKS:
            assert mark not in file.body, (file.rendition.url, mark)
        with Image.open(io.BytesIO(file.body)) as shown:
            assert shown.size == (file.rendition.width, file.rendition.height)
            assert not shown.getexif()
            assert Image.MIME[shown.format or ""] == file.rendition.type
        assert file.rendition.url.startswith(f"/{limits.PHOTO_PREFIX}{digest_of(source)}/")


def test_a_corrected_photo_gets_new_addresses() -> None:
    first, second = encoded(picture()), encoded(picture().rotate(1))
    assert digest_of(first) != digest_of(second)
    assert digest_of(first) == digest_of(encoded(picture()))


@pytest.mark.parametrize(
    ("orientation", "red_corner"), [(6, "top right"), (8, "bottom left"), (3, "bottom right")]
)
def test_exif_orientation_is_honoured(orientation: int, red_corner: str) -> None:
    image = accepted(encoded(picture(800, 600), "JPEG", exif=exif_with_gps(orientation)))
    assert image.size == ((600, 800) if orientation in (6, 8) else (800, 600))
    corners = {
        "top left": (5, 5),
        "top right": (image.width - 5, 5),
        "bottom left": (5, image.height - 5),
        "bottom right": (image.width - 5, image.height - 5),
    }
    red, green, _ = image.getpixel(corners[red_corner])  # type: ignore[misc]
    assert red > 150 and green < 80, (orientation, image.getpixel(corners[red_corner]))


def test_cmyk_16_bit_transparency_and_a_foreign_profile_come_out_as_srgb() -> None:
    cmyk = accepted(encoded(picture(mode="CMYK"), "JPEG"))
    assert cmyk.getpixel((5, 5))[0] > 150  # type: ignore[index]  # still red
    grey16 = Image.new("I;16", (400, 300), 32768)
    assert abs(accepted(encoded(grey16, "PNG")).getpixel((10, 10))[0] - 128) <= 1  # type: ignore[index]
    clear = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    assert accepted(encoded(clear, "PNG")).getpixel((10, 10)) == (255, 255, 255)  # on white, not black
    wide = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert accepted(encoded(picture(), "JPEG", icc_profile=wide)).size == (1000, 750)


def test_a_polyglot_is_re_encoded_and_its_payload_left_behind() -> None:
    payload = b"<html><script>alert(document.cookie)</script></html>PK\x03\x04hidden.zip"
    source = encoded(picture(600, 450)) + payload
    for file in render(accepted(source), digest_of(source), Focus()):
        assert b"<script>" not in file.body and b"PK\x03\x04" not in file.body


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("a decompression bomb", png_bomb(50_000, 50_000), "pixels"),
        ("just over the pixel limit", png_bomb(10_001, 10_000), "at most 100,000,000"),
        ("a 30000×1 strip", png_bomb(30_000, 1), "at least 100"),
        ("a thin strip", png_bomb(9_000, 1_000), "longer side"),
        ("an icon", encoded(picture(64, 64), "PNG"), "at least 100"),
        ("an animation", frames(), "animated"),
        (
            "an SVG with script",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG",
        ),
        ("an SVG behind an XML declaration", b'<?xml version="1.0"?>\n<svg onload="alert(1)"/>', "SVG"),
        ("a HEIC photo", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 100, "HEIC"),
        ("text", b"Caspian ferry route to Baku reopens", "not a photo"),
        ("nothing", b"", "not a photo"),
        ("HTML named .jpg", b"<html><body><script>alert(1)</script></body></html>", "not a photo"),
        ("a PDF", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "not a photo"),
        ("a truncated JPEG", encoded(picture())[:6_000], "cut short"),
        ("a truncated PNG", encoded(picture(), "PNG")[:3_000], "cut short"),
    ],
)
def test_each_hostile_or_damaged_file_gets_a_verdict(name: str, data: bytes, says: str) -> None:
    assert says in refused(data), name


def test_a_wrong_extension_does_not_matter_the_content_does() -> None:
    result = decode(encoded(picture(), "PNG"))  # named ferry.jpg by the editor: the bytes are a PNG
    assert isinstance(result, Decoded)
    assert result.format == "PNG"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4_000))
def test_any_bytes_are_a_verdict_or_a_picture(data: bytes) -> None:
    assert isinstance(decode(data), (Decoded, list))


JPEG = encoded(picture(400, 300), "JPEG", exif=exif_with_gps(6))
PNG = encoded(picture(400, 300), "PNG")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([JPEG, PNG]),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=255),
    st.booleans(),
)
def test_a_damaged_photo_is_a_verdict_or_a_picture(source: bytes, at: int, byte: int, cut: bool) -> None:
    """A flipped byte anywhere, or the file cut at any length."""
    at %= len(source)
    data = source[:at] if cut else source[:at] + bytes([byte]) + source[at + 1 :]
    result = decode(data)
    assert isinstance(result, (Decoded, list))
    if isinstance(result, Decoded):
        assert result.image.mode == "RGB" and min(result.image.size) >= limits.MIN_PHOTO_SIDE


@given(
    st.integers(min_value=limits.MIN_PHOTO_SIDE, max_value=20_000),
    st.integers(min_value=limits.MIN_PHOTO_SIDE, max_value=20_000),
    st.sampled_from([(w, h) for _, w, h in limits.PHOTO_CROPS]),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
)
def test_a_crop_is_the_largest_box_of_its_ratio_around_the_focus(
    width: int, height: int, ratio: tuple[int, int], x: float, y: float
) -> None:
    left, top, right, bottom = crop_box(width, height, ratio, Focus(x=x, y=y))
    assert 0 <= left < right <= width and 0 <= top < bottom <= height
    box_w, box_h = right - left, bottom - top
    assert box_w == width or box_h == height  # as large as the picture allows
    assert abs(box_w * ratio[1] - box_h * ratio[0]) <= max(ratio)  # its ratio, to a pixel
    # The focus is in the middle of the box, unless the box is against an edge on that side.
    assert left == 0 or right == width or abs((left + right) / 2 - x * width) <= 1
    assert top == 0 or bottom == height or abs((top + bottom) / 2 - y * height) <= 1


def test_the_focus_moves_the_crops_and_their_addresses() -> None:
    source = encoded(picture(1600, 900))
    left = render(accepted(source), digest_of(source), Focus(x=0.1, y=0.2))
    square = next(f for f in left if isinstance(f.rendition, Crop) and f.rendition.name == "1x1")
    assert square.rendition.url.endswith("/1x1-10-20.jpg")
    with Image.open(io.BytesIO(square.body)) as shown:
        assert shown.convert("RGB").getpixel((shown.width // 4, shown.height // 4))[0] > 150  # type: ignore[index]


@given(st.integers(min_value=limits.MIN_PHOTO_SIDE, max_value=10_000))
def test_widths_are_never_upscaled_and_always_one(width: int) -> None:
    widths = widths_for(width)
    assert widths and max(widths) <= width and max(widths) == min(width, limits.PHOTO_WIDTHS[-1])


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_a_focus_the_editor_writes_is_read_as_written(x: float, y: float) -> None:
    from newsfeed.models.upload import ImageUpload

    image = ImageUpload.model_validate({"url": "ferry.jpg", "focus": f"{x!r}, {y!r}"})
    assert image.focus is not None and (image.focus.x, image.focus.y) == (x, y)


@given(
    st.one_of(st.text(max_size=20), st.tuples(st.floats(), st.floats()).map(lambda p: f"{p[0]!r}, {p[1]!r}"))
)
def test_any_other_focus_is_a_clear_refusal(text: str) -> None:
    from pydantic import ValidationError

    from newsfeed.models.upload import ImageUpload

    errors: list[Any] = []
    try:
        image = ImageUpload.model_validate({"url": "ferry.jpg", "focus": text})
    except ValidationError as error:
        errors = error.errors()
    if errors:
        assert all(e["loc"][0] == "focus" for e in errors)
    else:  # only two fractions between 0 and 1 get through
        assert image.focus is not None and 0 <= image.focus.x <= 1 and 0 <= image.focus.y <= 1


def test_only_photos_beside_the_article_are_taken_from_its_body() -> None:
    from newsfeed.logic.article_photos import body_photo_refs

    body = "".join(
        f'<p><img src="{src}" alt="x"></p>'
        for src in [
            "photos/harbour.jpg",
            "ferry.PNG",
            "../secret.jpg",
            "/images/a.jpg",
            "https://photos.example/b.jpg",
            "javascript:alert(1).jpg",
            "data:image/png;base64,AAAA.png",
            "photos//double.jpg",
            "notes.txt",
            "photos/harbour.jpg",
        ]
    )
    assert body_photo_refs(body) == ["photos/harbour.jpg", "ferry.PNG"]


def test_a_body_showing_more_photos_than_the_limit_is_refused_saying_so() -> None:
    from newsfeed.logic.parsing import parse_upload
    from newsfeed.models.upload import UploadRejected

    def upload(shown: int, elsewhere: int = 0) -> bytes:
        photos = "".join(f"![p](photos/p{n % 7}.jpg)\n\n" for n in range(shown))  # repeats count too
        linked = "".join(f"![l](https://photos.example/{n}.jpg)\n\n" for n in range(elsewhere))
        return f"---\ntitle: A photo essay\nsection: Life\n---\n{photos}{linked}".encode()

    assert len(parse_upload("essay.md", upload(limits.MAX_BODY_PHOTOS, elsewhere=200)).body_html) > 0
    with pytest.raises(UploadRejected) as refused:
        parse_upload("essay.md", upload(limits.MAX_BODY_PHOTOS + 1))
    assert refused.value.problems == [
        Problem(
            field="body",
            message=f"shows photos sent with it {limits.MAX_BODY_PHOTOS + 1} times; "
            f"the limit is {limits.MAX_BODY_PHOTOS}",
        )
    ]
