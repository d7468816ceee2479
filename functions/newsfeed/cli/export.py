"""`newsfeed export DIR`: every stored article (published, scheduled or draft) as a JSON upload at the path it
was imported or uploaded from, with `.json` for its suffix. Where that changes its name (a Markdown upload),
`DIR/.newsfeed-export.json` says which upload key each file came from, and importing the folder puts it back
at that key: it is the same article there, not another one claiming its slug. Importing an export into an
empty stack and exporting again gives the same files, byte for byte (`newsfeed.cli.transfer` is the import).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsfeed.models import limits
from newsfeed.models.photo import digest_in

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.dal.uploads import UploadBucket
    from newsfeed.models.article import Article, Image


def export_name(article: Article) -> str:
    """Where an article goes in an export: the path it was uploaded at, as a JSON file."""
    name = article.source_key.removeprefix(limits.UPLOAD_PREFIX) or f"{article.slug}.json"
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.json" if dot and f".{suffix}" in limits.UPLOAD_SUFFIXES else f"{name}.json"


def sent_photos(uploads: UploadBucket, table: ContentTable) -> Callable[[str], tuple[str, bytes] | None]:
    """A photo as it was sent (its upload key and bytes), by the digest of its renditions; None if no upload
    of it is left."""
    from newsfeed.dal.photos import PhotoStore

    records = PhotoStore(table.table, table.client)

    def original(digest: str) -> tuple[str, bytes] | None:
        for key in records.uploads_of(digest):
            made = records.photo(key)  # an upload corrected since holds another photo now
            still = made is not None and made.digest == digest
            if still and (data := uploads.read_object(key, limits.MAX_PHOTO_BYTES)) is not None:
                return key, data
        return None

    return original


def photo_place(article: Article, photo_key: str) -> str:
    """Where a photo sent with an article goes in an export: at its path beside the article's file, as it
    was sent (else in `photos/` beside it)."""
    folder = posixpath.dirname(article.source_key)
    ref = posixpath.relpath(photo_key, folder) if folder else photo_key
    return ref if not ref.startswith("../") else f"photos/{posixpath.basename(photo_key)}"


def export_document(
    article: Article, photo: str | None = None, body_refs: dict[str, str] | None = None
) -> bytes:
    """The article as a JSON upload: every field an editor controls, the body as stored (sanitised HTML);
    its photo named by `photo`, a path beside it, when it was sent with one and that is written there, and
    so the body's photos (`body_refs`: each one's address -> its path)."""
    from newsfeed.logic.article_photos import body_with_refs
    from newsfeed.models.text import format_utc
    from newsfeed.models.upload import ImageUpload

    values: dict[str, Any] = {
        **article.editorial(),
        "slug": article.slug,
        "summary": article.summary,
        "section": article.section,
        "tags": article.tags,
        "authors": article.authors,
        "published_at": format_utc(article.published_at),
        "updated_at": format_utc(article.updated_at),
        "status": "draft" if article.status == "draft" else "published",
        "language": article.language,
        "image": article.image.model_dump(include=set(ImageUpload.model_fields)) if article.image else None,
        "related": article.related_slugs,
        "show_in_related": None if article.show_in_related else False,
        "federate": None if article.federate else False,
        "body": body_with_refs(article.body, body_refs or {}),
    }
    if photo is not None:
        values["image"]["url"] = photo
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    if "image" in values:
        values["image"] = {k: v for k, v in values["image"].items() if v}
    return (json.dumps(values, ensure_ascii=False, indent=2) + "\n").encode()


def export(
    table: ContentTable,
    root: Path,
    on_progress: Callable[[int], None] = lambda n: None,
    original: Callable[[str], tuple[str, bytes] | None] = lambda digest: None,
) -> int:
    """Write every stored article under `root` with the photo sent with it, as it was sent (`original`: its
    upload key and bytes, by its digest), and the upload keys of those whose name changed; how many articles
    were written. Imported again, the same photo makes the same renditions: a round trip changes nothing."""
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    keys: dict[str, str] = {}
    for article in table.articles.all_articles():
        name = export_name(article)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        place = _write_photo(article, article.image, path.parent, original)
        body_refs = {
            image.url: ref
            for image in article.body_images
            if (ref := _write_photo(article, image, path.parent, original))
        }
        path.write_bytes(export_document(article, place, body_refs))
        if article.source_key and article.source_key != f"{limits.UPLOAD_PREFIX}{name}":
            keys[name] = article.source_key
        count += 1
        on_progress(1)
    manifest = {"upload_keys": dict(sorted(keys.items()))}
    (root / limits.EXPORT_KEYS).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return count


def _write_photo(
    article: Article, image: Image | None, folder: Path, original: Callable[[str], tuple[str, bytes] | None]
) -> str | None:
    """Write a photo the article was sent with beside its exported file, as it was sent; the path it has
    there (None if the image was given by URL, or no upload of it is left)."""
    digest = digest_in(image.url) if image else None
    sent = original(digest) if digest else None
    if sent is None:
        return None
    place = photo_place(article, sent[0])
    (folder / place).parent.mkdir(parents=True, exist_ok=True)
    (folder / place).write_bytes(sent[1])
    return place
