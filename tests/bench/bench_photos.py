"""Photos: a 12-megapixel JPEG's renditions (time and peak memory) against libvips' `thumbnail_buffer` at the
same widths, formats and qualities, timed in this process; AVIF on its own; publish of an article with that
photo -> its page showing it on the local stack; and what a phone downloads of it.

The photo is made from a real one (the coffee sample, 600×400, CC0), enlarged to 4000×3000 with sensor-like
noise added and saved as a camera would (JPEG, quality 92): it has less fine detail than a camera's, so every
encoder here has somewhat less to do than with a real 12 MP photo. Both sides get the same bytes.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsfeed.logic.photos.renditions import File
from newsfeed.models import limits
from tests.bench.harness import FIGURES, Row
from tests.support import ROOT

RUNS = 3
PUBLISHES = 5
QUALITIES = {"JPEG": 82, "WEBP": 80}  # newsfeed's (logic/photos/renditions.py ENCODINGS), given to both


def twelve_megapixels() -> bytes:
    from PIL import Image

    photo = Image.open(ROOT / "events" / "articles" / "photos" / "coffee.png").convert("RGB")
    big = photo.resize((4000, 3000), Image.Resampling.LANCZOS)
    noise = Image.effect_noise((4000, 3000), 12).convert("RGB")
    out = io.BytesIO()
    Image.blend(big, noise, 0.08).save(out, "JPEG", quality=92)
    return out.getvalue()


def newsfeed_renditions(data: bytes, formats: tuple[str, ...]) -> int:
    """Decode and encode as the image function does (its widths), in the formats named; the bytes made."""
    return sum(len(file.body) for file in made(data, formats))


def made(data: bytes, formats: tuple[str, ...]) -> list[File]:
    """The image function's renditions of the photo in these formats (and its crops, with all three)."""
    from newsfeed.logic.photos import renditions
    from newsfeed.logic.photos.decode import Decoded, decode
    from newsfeed.models.photo import Focus

    decoded = decode(data, renditions.needed)
    assert isinstance(decoded, Decoded)
    chosen = [e for e in renditions.ENCODINGS if e[0] in formats]
    crops = limits.PHOTO_CROPS if len(formats) == len(renditions.ENCODINGS) else ()
    return renditions.render(decoded.image, "bench", Focus(), chosen, crops)


def libvips_renditions(data: bytes) -> int:
    """libvips' thumbnail (shrink-on-load) at the same widths, JPEG and WebP at the same qualities."""
    import pyvips  # type: ignore[import-untyped]

    from newsfeed.logic.photos.renditions import widths_for

    made = 0
    width = pyvips.Image.new_from_buffer(data, "").width
    for w in widths_for(width):
        thumb = pyvips.Image.thumbnail_buffer(data, w).copy_memory()  # two saves: decoded once
        made += len(
            thumb.jpegsave_buffer(Q=QUALITIES["JPEG"], optimize_coding=True, interlace=True, strip=True)
        )
        made += len(thumb.webpsave_buffer(Q=QUALITIES["WEBP"], strip=True))
    return made


def _best(work: object, *args: object) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb(code: str, photo: Path) -> float:
    """Peak resident memory while a fresh interpreter does `code` on the photo, less what it held before
    (Linux: the high-water mark is reset through /proc/self/clear_refs once the imports are done)."""
    script = (
        "from pathlib import Path\nfrom tests.bench.bench_photos import *\n"
        f"data = Path({str(photo)!r}).read_bytes()\n"
        "status = lambda: open('/proc/self/status').read().splitlines()\n"
        "rss = lambda field: int(next(l.split()[1] for l in status() if l.startswith(field)))\n"
        "before = rss('VmRSS:')\nopen('/proc/self/clear_refs', 'w').write('5')\n"
        f"{code}\nprint(json.dumps((rss('VmHWM:') - before) / 1024))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def publish_to_page(data: bytes, photo_seconds: list[float]) -> list[float]:
    """Seconds from sending the photo (as `newsfeed publish` does: the photo, its record, then the article)
    until the article's page shows its <picture>, on a local stack in its own process."""
    import boto3

    from newsfeed.cli.local import LOCAL_REGION
    from newsfeed.dal.photos import PhotoStore
    from tests.support.local import free_port, get, start_local_stack

    stack = start_local_stack(free_port(), free_port())
    try:
        session = boto3.session.Session(
            region_name=LOCAL_REGION, aws_access_key_id="local", aws_secret_access_key="local"
        )
        s3 = session.client("s3", endpoint_url=stack.aws)
        dynamodb = session.client("dynamodb", endpoint_url=stack.aws)
        uploads = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "uploads" in b["Name"])
        table = next(t for t in dynamodb.list_tables()["TableNames"] if "Content" in t)
        photos = PhotoStore(table, dynamodb)
        seconds: list[float] = []
        for n in range(PUBLISHES + 1):  # the first warms up the image function's imports
            photo = data + bytes([n])  # each a new photo (a byte after its end), with no renditions yet
            slug = f"photo-probe-{n}"
            front = f"title: Photo probe {n}\nslug: {slug}\nsection: Metro\nimage: {{url: p{n}.jpg}}"
            article = f"---\n{front}\n---\nBody.\n"
            start = time.perf_counter()
            s3.put_object(Bucket=uploads, Key=f"inbox/p{n}.jpg", Body=photo)
            while photos.photo(f"inbox/p{n}.jpg") is None:
                if time.perf_counter() - start > 60:
                    raise TimeoutError(f"photo {n} was never made")
                time.sleep(0.01)
            made = time.perf_counter() - start
            s3.put_object(Bucket=uploads, Key=f"inbox/{slug}.md", Body=article.encode())
            while b"<picture>" not in get(f"{stack.base}/articles/{slug}")[1]:
                if time.perf_counter() - start > 60:
                    report = s3.list_objects_v2(Bucket=uploads, Prefix="rejected/").get("Contents", [])
                    raise TimeoutError(f"{slug}'s page never showed its photo (reports: {report})")
                time.sleep(0.01)
            if n:
                seconds.append(time.perf_counter() - start)
                photo_seconds.append(made)
        return seconds
    finally:
        stack.process.terminate()
        stack.process.communicate(timeout=60)


def run() -> list[Row]:
    data = twelve_megapixels()
    photo = Path(tempfile.mkdtemp()) / "twelve.jpg"
    photo.write_bytes(data)
    ours = _best(newsfeed_renditions, data, ("JPEG", "WEBP"))
    theirs = _best(libvips_renditions, data)
    avif = _best(newsfeed_renditions, data, ("AVIF",))
    whole = _best(newsfeed_renditions, data, ("AVIF", "WEBP", "JPEG"))
    our_mb = peak_mb('newsfeed_renditions(data, ("JPEG", "WEBP"))', photo)
    whole_mb = peak_mb('newsfeed_renditions(data, ("AVIF", "WEBP", "JPEG"))', photo)
    their_mb = peak_mb("libvips_renditions(data)", photo)
    FIGURES["photos"] = {"ours": ours, "libvips": theirs, "avif": avif}
    rows = [
        Row("photo renditions, a 12 MP JPEG (4 widths)", "", ""),
        Row(
            "  JPEG + WebP: time, peak memory",
            f"{ours:.2f} s, {our_mb:.0f} MB",
            f"libvips thumbnail_buffer {theirs:.2f} s, {their_mb:.0f} MB: "
            f"{ours / theirs:.2f}x (target <= 1.5x)",
        ),
        Row("  AVIF alone (speed 9, quality 60)", f"{avif:.2f} s", "reported on its own"),
        Row(
            "  everything the image function makes",
            f"{whole:.2f} s, {whole_mb:.0f} MB",
            "3 formats x 4 widths and 4 crops",
        ),
    ]
    phone = next(f for f in made(data, ("AVIF",)) if f.rendition.width >= 390 - 32)  # what Chromium fetched
    rows.append(
        Row(
            f"  a phone's download (390 px: the {phone.rendition.width} AVIF)",
            f"{len(phone.body) / 1024:.0f} KB of {len(data) / 1024:.0f} KB",
            f"{len(phone.body) / len(data):.1%} of the original (target <= 10%)",
        )
    )
    photo_seconds: list[float] = []
    seconds = publish_to_page(data, photo_seconds)
    rows.append(
        Row(
            f"  publish with it -> page showing it, local stack, {PUBLISHES} publishes",
            f"p50 {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s",
            "target p50 <= 3 s",
        )
    )
    return rows
