"""A decoded photo's renditions: every width of `limits.PHOTO_WIDTHS` it is wide enough for (never
upscaled) in AVIF, WebP and JPEG, and the crops consumers ask for (`limits.PHOTO_CROPS`, in JPEG: what
every aggregator reads) around the editor's focal point. Encoded in parallel: Pillow releases the GIL."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PIL import Image

from newsfeed.models import limits
from newsfeed.models.photo import RENDITIONS_VERSION, Crop, Focus, Rendition, photo_dir

# Format, media type, extension and encoder settings; JPEG last (the fallback a <picture> ends with).
# AVIF's `speed` trades encoding time for size (0 slowest, 10 fastest). Measured on a 12 MP photo's four
# widths: speed 8 took 1.09 s for 282 KB, speed 9 0.46 s for 301 KB (7% more bytes for half the time, which
# an article waiting for its photo feels), 10 no faster than 9 (docs/benchmarks.md).
ENCODINGS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("AVIF", "image/avif", "avif", {"quality": 60, "speed": 9}),
    ("WEBP", "image/webp", "webp", {"quality": 80, "method": 4}),
    ("JPEG", "image/jpeg", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
)
CROP_ENCODING = ENCODINGS[-1]


@dataclass(frozen=True)
class File:
    """A rendition or crop and its bytes, to be written where it says."""

    rendition: Rendition
    body: bytes


def digest_of(data: bytes) -> str:
    """The folder of a photo's renditions: its bytes and how they are made, so a corrected photo (or a change
    to the renditions) gets new addresses and an address never changes what it holds."""
    return hashlib.sha256(data + b"\0renditions " + RENDITIONS_VERSION.encode()).hexdigest()[:24]


def widths_for(width: int) -> list[int]:
    """The rendition widths of a photo this wide: each listed width below it, and its own if it is narrower
    than the widest."""
    return sorted({w for w in limits.PHOTO_WIDTHS if w < width} | {min(width, limits.PHOTO_WIDTHS[-1])})


def needed(width: int, height: int) -> tuple[int, int]:
    """The largest size anything is made at from a photo this big (what its decoder may scale down to)."""
    widest = min(width, limits.PHOTO_WIDTHS[-1])
    crop = max(w for _, w, _ in limits.PHOTO_CROPS)
    return widest, min(height, max(crop, -(-widest * height // width)))


def crop_box(width: int, height: int, ratio: tuple[int, int], focus: Focus) -> tuple[int, int, int, int]:
    """The largest box of `ratio` (width, height) within the picture, centred on the focus as far as the
    edges allow: (left, top, right, bottom)."""
    across, down = ratio
    if width * down <= height * across:  # narrower than the ratio: the box takes the whole width
        box_w, box_h = width, max(1, width * down // across)
    else:
        box_w, box_h = max(1, height * across // down), height
    left = round(focus.x * width - box_w / 2)
    top = round(focus.y * height - box_h / 2)
    left, top = max(0, min(left, width - box_w)), max(0, min(top, height - box_h))
    return left, top, left + box_w, top + box_h


def _encode(image: Image.Image, encoding: tuple[str, str, str, dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    image.save(out, encoding[0], **encoding[3])
    return out.getvalue()


Encoding = tuple[str, str, str, dict[str, Any]]


def render(
    image: Image.Image,
    digest: str,
    focus: Focus,
    encodings: Sequence[Encoding] = ENCODINGS,
    crops: Sequence[tuple[str, int, int]] = limits.PHOTO_CROPS,
) -> list[File]:
    """Every rendition (each width in each of `encodings`) and crop of a decoded photo (RGB, no metadata),
    at addresses under its digest."""
    folder, width, height = photo_dir(digest), image.width, image.height
    jobs: list[tuple[Rendition, Image.Image, tuple[str, str, str, dict[str, Any]]]] = []
    source = image
    for w in reversed(widths_for(width)):  # widest first: each narrower one from the one before
        h = max(1, round(w * height / width))
        source = source if source.width == w else source.resize((w, h), Image.Resampling.LANCZOS)
        for encoding in encodings:
            jobs.append(
                (
                    Rendition(url=f"{folder}/w{w}.{encoding[2]}", width=w, height=h, type=encoding[1]),
                    source,
                    encoding,
                )
            )
    for name, crop_w, crop_h in crops:
        box = crop_box(width, height, (crop_w, crop_h), focus)
        out_w = min(crop_w, box[2] - box[0])  # never upscaled: a small photo's crops are smaller
        out_h = max(1, round(out_w * crop_h / crop_w))
        cut = image.resize((out_w, out_h), Image.Resampling.LANCZOS, box=box)
        path = f"{folder}/{name}-{focus.label}.{CROP_ENCODING[2]}"
        jobs.append(
            (Crop(name=name, url=path, width=out_w, height=out_h, type=CROP_ENCODING[1]), cut, CROP_ENCODING)
        )
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        bodies = list(pool.map(lambda job: _encode(job[1], job[2]), jobs))
    files = [File(rendition, body) for (rendition, _, _), body in zip(jobs, bodies, strict=True)]
    return sorted(
        files,
        key=lambda f: (isinstance(f.rendition, Crop), f.rendition.width, f.rendition.url.endswith(".jpg")),
    )
