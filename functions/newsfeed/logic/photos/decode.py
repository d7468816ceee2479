"""An uploaded photo read safely, or the problems that refuse it: whatever the bytes are, the answer is a
picture in sRGB as it is meant to be seen, or a verdict; never a crash, never a hang.

What is refused and why: anything that is not a JPEG, PNG, WebP, AVIF, GIF or TIFF (SVG among them: it can
carry script, and a photo is never a drawing), animations (a news photo is a still), more pixels than
`MAX_PHOTO_PIXELS` (checked from the header, before a decompression bomb is decoded), too small or too thin a
picture, and a file that does not decode whole. What is put right: EXIF orientation, colour profiles (to
sRGB), CMYK, 16-bit channels, transparency (on white) and a name whose extension says another format.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from newsfeed.models import limits
from newsfeed.models.upload import Problem

# Pillow's own guard raises beyond twice this; ours refuses at it, with a verdict, before decoding.
Image.MAX_IMAGE_PIXELS = limits.MAX_PHOTO_PIXELS
# The decoders a photo may reach: Pillow's others (EPS runs Ghostscript, PSD, ICO, …) are never tried.
FORMATS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "AVIF": "AVIF",
    "GIF": "GIF",
    "TIFF": "TIFF",
}
OPENERS = [name for name in FORMATS if name != "MPO"]  # JPEG's opener opens MPO too
NAMES = "JPEG, PNG, WebP, AVIF, GIF or TIFF"
TOO_MANY = f"at most {limits.MAX_PHOTO_PIXELS:,} pixels are accepted"
SRGB = ImageCms.createProfile("sRGB")
Image.init()  # registers every plugin, so that `formats` can name them (open() alone knows five)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Decoded:
    image: Image.Image  # RGB, oriented, sRGB, no metadata; no larger than `needed` asked
    format: str  # as the bytes say, whatever the name says
    size: tuple[int, int]  # the photo's own, as it is seen (EXIF orientation applied)


def _refused(message: str) -> list[Problem]:
    return [Problem(field="file", message=message)]


def _kind_by_signature(data: bytes) -> str | None:
    """What a file that Pillow will not be asked to open is, to say so plainly."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        return "an SVG drawing: SVG can carry script, so it is not accepted; send it as a PNG or JPEG"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1"):
        return "a HEIC photo, which browsers cannot show: export it as JPEG (most phones can) and send that"
    return None


Needed = Callable[[int, int], tuple[int, int]]


def decode(data: bytes, needed: Needed | None = None) -> Decoded | list[Problem]:
    """The photo in `data`, or why not. `needed`: the largest (width, height) anything will be made at from a
    photo of a size, so that a JPEG is decoded no larger (its DCT scaling: much faster for 12 megapixels)."""
    if (kind := _kind_by_signature(data)) is not None:
        return _refused(f"is {kind}")
    with warnings.catch_warnings():  # damaged metadata, and pixels beyond the limit (refused with its size)
        warnings.simplefilter("ignore")
        return _decode(data, needed)


def _decode(data: bytes, needed: Needed | None) -> Decoded | list[Problem]:
    try:
        image = Image.open(io.BytesIO(data), formats=OPENERS)
        if (problems := _shape_problems(image)) is not None:
            return problems
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # stored on its side
        size = (image.height, image.width) if turned else image.size
        if needed is not None:
            wanted = needed(*size)
            image.draft("RGB", (wanted[1], wanted[0]) if turned else wanted)
        image.load()
    except UnidentifiedImageError:
        return _refused(f"is not a photo Newsfeed can read ({NAMES})")
    except Image.DecompressionBombError:  # beyond twice the limit, Pillow refuses to open it at all
        return _refused(f"has far too many pixels; {TOO_MANY}")
    except Exception:  # Pillow raises many kinds for a damaged file: each is the same verdict
        return _refused("could not be read whole: it is damaged or was cut short; send it again")
    try:
        return Decoded(_as_srgb(ImageOps.exif_transpose(image)), FORMATS[image.format or "JPEG"], size)
    except Exception:  # a combination of mode, profile and orientation no photo of ours has had
        return _refused(f"has colours newsfeed cannot convert to sRGB (mode {image.mode}); send it as JPEG")


def _shape_problems(image: Image.Image) -> list[Problem] | None:
    width, height = image.size
    if width * height > limits.MAX_PHOTO_PIXELS:
        return _refused(f"has {width}×{height} pixels; {TOO_MANY}")
    if min(width, height) < limits.MIN_PHOTO_SIDE:
        return _refused(f"is {width}×{height} pixels; each side must be at least {limits.MIN_PHOTO_SIDE}")
    if max(width, height) > limits.MAX_PHOTO_RATIO * min(width, height):
        return _refused(
            f"is {width}×{height} pixels; its longer side may be at most {limits.MAX_PHOTO_RATIO} times "
            "its shorter"
        )
    if getattr(image, "is_animated", False) and image.format != "MPO":  # MPO: a phone's still, with extras
        return _refused("is animated; send a still photo")
    return None


def _as_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB in sRGB, transparency on white, and nothing else: no EXIF, XMP, IPTC or profile."""
    profile = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit or wider grey: scaled, not clipped
        peak = 1.0 if image.mode == "F" else 65535
        image = image.convert("F" if image.mode == "F" else "I").point(lambda value: value * (255 / peak))
        image = image.convert("L")
    if image.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, WHITE)
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif profile and image.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB") or image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)  # a new image: none of the original's info (EXIF, XMP, comments) comes along
    return clean
