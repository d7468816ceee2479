"""The editor's offline commands: `newsfeed validate` (a file checked with the ingest's rules) and `newsfeed
preview` (the page a file would get, rendered with those rules and the site's theme, to open before
publishing). Neither needs a stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.cli.local import LOCAL_SITE_URL
from newsfeed.models.site import Site
from newsfeed.models.upload import Problem, UploadRejected

if TYPE_CHECKING:  # the rules and the theme are loaded by the commands that use them, not by `publish`
    from newsfeed.logic.parsing import ParsedUpload


def preview_site(name: str | None, url: str | None) -> Site:
    """The site a preview is rendered for: as given, else as the functions' environment says, else make
    run's default (links to sections and tags lead there)."""
    url = (url or os.environ.get("SITE_URL") or LOCAL_SITE_URL).rstrip("/")
    return Site(
        name=name or os.environ.get("SITE_NAME") or "newsfeed",
        url=url,
        description=os.environ.get("SITE_DESCRIPTION", ""),
        language=os.environ.get("SITE_LANGUAGE", "en"),
        feeds_url=url,
    )


def write_preview(parsed: ParsedUpload, source: Path, out: Path, site: Site) -> Path:
    """The file's page, as if published now (a draft or a scheduled article too), written under `out`."""
    from newsfeed.logic.articles import build_article
    from newsfeed.logic.site.pages import render_article_page
    from newsfeed.models.article_shape import ArticleStatus
    from newsfeed.models.fields import is_photo_ref

    now = datetime.now(UTC)
    article = build_article(
        parsed,
        article_id="preview",
        source_key=str(source),
        now=now,
        default_language=site.language,
        previous=None,
    ).model_copy(update={"status": ArticleStatus.PUBLISHED})
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{article.slug}.html"
    page.write_bytes(render_article_page(site, article))
    image = parsed.fields.image
    if image is not None and is_photo_ref(image.url) and (source.parent / image.url).is_file():
        shown = out / image.url  # as sent (the renditions are made when it is published)
        shown.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.parent / image.url, shown)
    return page


def problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"  - {problem}" for problem in problems)


def _checked(path: Path) -> ParsedUpload | None:
    """The file read with exactly the ingest's rules; None (its problems printed) if it is refused."""
    from newsfeed.logic.parsing import parse_upload

    try:
        return parse_upload(path.name, path.read_bytes())
    except UploadRejected as rejected:
        print(f"invalid: {path}\n{problems_text(rejected.problems)}")
    except OSError as error:
        print(f"invalid: {path}\n  - file: {error.strerror}")
    return None


def _each(files: Sequence[Path], done: Callable[[Path, ParsedUpload], str]) -> int:
    """Check each file as validate does and print `done` of each accepted one; exit status 1 if any is
    refused."""
    failed = 0
    for path in files:
        if (parsed := _checked(path)) is None:
            failed += 1
        else:
            print(done(path, parsed))
    return 1 if failed else 0


def validate(files: Sequence[Path]) -> int:
    """Check files offline with exactly the ingest's rules."""
    return _each(files, lambda path, parsed: f"ok: {path} (slug: {parsed.slug})")


def preview(files: Sequence[Path], out: Path, site_name: str | None, site_url: str | None) -> int:
    """Render each file's page offline (the same checks as validate, the site's theme) and say where."""
    site = preview_site(site_name, site_url)
    return _each(
        files, lambda path, parsed: f"preview: {write_preview(parsed, path, out, site).resolve().as_uri()}"
    )
