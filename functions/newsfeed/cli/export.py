"""`newsfeed export DIR`: every stored article (published, scheduled or draft) as a JSON upload at the path it
was imported or uploaded from, with `.json` for its suffix. Where that changes its name (a Markdown upload),
`DIR/.newsfeed-export.json` says which upload key each file came from, and importing the folder puts it back
at that key: it is the same article there, not another one claiming its slug. Importing an export into an
empty stack and exporting again gives the same files, byte for byte (`newsfeed.cli.transfer` is the import).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsfeed.models import limits

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.models.article import Article


def export_name(article: Article) -> str:
    """Where an article goes in an export: the path it was uploaded at, as a JSON file."""
    name = article.source_key.removeprefix(limits.UPLOAD_PREFIX) or f"{article.slug}.json"
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.json" if dot and f".{suffix}" in limits.UPLOAD_SUFFIXES else f"{name}.json"


def exported_photo(article: Article) -> tuple[str, str] | None:
    """(its path beside the article's file, the rendition to write there) for an article showing a photo
    sent with it: the widest JPEG, as published (no metadata); imported, it is made into renditions again."""
    from newsfeed.models.photo import digest_in, rendition_key

    if article.image is None or (digest := digest_in(article.image.url)) is None:
        return None
    jpegs = [r for r in article.image.renditions if r.type == "image/jpeg"]
    return (f"photos/{digest}.jpg", rendition_key(jpegs[-1])) if jpegs else None


def export_document(article: Article, photo: str | None = None) -> bytes:
    """The article as a JSON upload: every field an editor controls, the body as stored (sanitised HTML);
    its photo named by `photo`, a path beside it, when it was sent with one and that is written there."""
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
        "body": article.body,
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
    rendition: Callable[[str], bytes | None] = lambda key: None,
) -> int:
    """Write every stored article under `root` (with the photo sent with it: `rendition` reads one from the
    public bucket), and the upload keys of those whose name changed; how many articles were written."""
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    keys: dict[str, str] = {}
    for article in table.articles.all_articles():
        name = export_name(article)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        photo = exported_photo(article)
        body = rendition(photo[1]) if photo else None
        if photo and body is not None:
            (path.parent / photo[0]).parent.mkdir(parents=True, exist_ok=True)
            (path.parent / photo[0]).write_bytes(body)
        path.write_bytes(export_document(article, photo[0] if photo and body is not None else None))
        if article.source_key and article.source_key != f"{limits.UPLOAD_PREFIX}{name}":
            keys[name] = article.source_key
        count += 1
        on_progress(1)
    manifest = {"upload_keys": dict(sorted(keys.items()))}
    (root / limits.EXPORT_KEYS).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return count
