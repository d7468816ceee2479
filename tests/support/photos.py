"""Pictures made by the tests, the way each kind of photo (and each kind of trouble) arrives: generated
(flat colours and a gradient, smaller than a camera's), so they differ from real photographs in detail and
noise; the benchmark uses real ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

# What metadata looks like inside JPEG, WebP and AVIF files: none of it may reach a rendition.
METADATA_MARKS = (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"ICC_PROFILE", b"GPS")


def picture(width: int = 1000, height: int = 750, mode: str = "RGB") -> Image.Image:
    """A picture whose top left quarter is red and the rest a blue-green gradient (to tell orientation)."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.merge(
        "RGB", (Image.new("L", (width, height), 40), image.getchannel(0), image.getchannel(0))
    )
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=(220, 20, 20))
    return image.convert(mode) if mode != "RGB" else image


def encoded(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 15.0, 30.0), 3: "E", 4: (76.0, 53.0, 45.0)})
    return exif


def png_bomb(width: int, height: int) -> bytes:
    """A PNG header claiming this size, with a tiny compressed body: what a decompression bomb looks like."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def frames() -> bytes:
    first, second = picture(300, 200), picture(300, 200).rotate(180)
    return encoded(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
