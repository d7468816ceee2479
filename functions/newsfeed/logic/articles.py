"""Turning a valid upload into a stored article, and what an article touches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from newsfeed.logic.article_photos import SentPhotos, body_images, body_with_photos, stored_image
from newsfeed.logic.html import summarize, to_plain_text
from newsfeed.logic.parsing import ParsedUpload
from newsfeed.logic.slugs import slugify
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, Moved
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.content import ContentChange, ListEntry
from newsfeed.models.scope import SCHEDULE, SITE, Scope, ScopeKind
from newsfeed.models.upload import UploadRecord, UploadStatus


def fingerprint(parsed: ParsedUpload, photos: SentPhotos | None = None) -> str:
    """A hash of everything the editor controls, the photos sent with it included: equal fingerprints mean
    re-uploading changed nothing."""
    payload = parsed.fields.model_dump(mode="json", exclude={"body"})
    payload["slug"] = parsed.slug
    payload["body_html"] = parsed.body_html
    if photos is not None and photos.digests:
        payload["photos"] = photos.digests
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def build_article(
    parsed: ParsedUpload,
    *,
    article_id: str,
    source_key: str,
    now: datetime,
    default_language: str,
    previous: Article | None,
    last_revision: int = 0,
    photos: SentPhotos | None = None,
) -> Article:
    """The article an upload describes.

    `previous` is the stored version of the same article, if any: its first publication date and revision
    carry over (an explicit `published_at` in the upload wins), and `updated_at` moves to `now` (when the
    upload happened, so the same event always yields the same article). A first version's `updated_at`
    is its publication time: publishing is not an update. A publication time after `now` makes the article
    scheduled: the scheduler publishes it then (`logic.schedule`). Without `previous`, revisions continue from
    `last_revision` (an unpublished article published again). The related list carries over from `previous`
    until the publisher works it out again (`logic.related`).
    """
    fields = parsed.fields
    published_at = fields.published_at or (previous.published_at if previous else now)
    status = ArticleStatus.DRAFT
    if fields.status is UploadStatus.PUBLISHED:
        status = ArticleStatus.SCHEDULED if published_at > now else ArticleStatus.PUBLISHED
    summary = fields.summary or summarize(to_plain_text(parsed.body_html), limits.DERIVED_SUMMARY_CHARS)
    tags, authors = _by_slug(fields.tags), _by_slug(fields.authors)  # editor's order; one name per slug
    return Article(
        **fields.editorial(),
        id=article_id,
        slug=parsed.slug,
        body=body_with_photos(parsed.body_html, photos.body) if photos else parsed.body_html,
        body_images=body_images(parsed.body_html, photos.body) if photos else [],
        summary=summary,
        section=fields.section,
        section_slug=slugify(fields.section) or "section",
        tags=list(tags.values()),
        tag_slugs=list(tags),
        authors=list(authors.values()),
        author_slugs=list(authors),
        published_at=published_at,
        # Publishing is not an update, but a correction is, and so is coming back after being unpublished.
        updated_at=max(
            fields.updated_at or (now if previous or last_revision else published_at), published_at
        ),
        status=status,
        language=fields.language or default_language,
        image=stored_image(fields.image, photos.lead if photos else None) if fields.image else None,
        revision=(previous.revision if previous else last_revision) + 1,
        related=previous.related if previous else [],
        related_slugs=list(dict.fromkeys(s for s in fields.related if s != parsed.slug)),
        show_in_related=fields.show_in_related,
        federate=fields.federate,
        content_hash=fingerprint(parsed, photos),
        source_key=source_key,
    )


def scopes_of(record: ArticleRecord | None) -> list[Scope]:
    """The lists a record appears in: none unless it is a published article."""
    if not isinstance(record, Article) or record.status is not ArticleStatus.PUBLISHED:
        return []
    return article_scopes(record)


def article_scopes(record: Article) -> list[Scope]:
    """The site, the article's section, its tags and its authors, whatever its status."""
    scopes = [SITE, Scope(ScopeKind.SECTION, record.section_slug, record.section)]
    scopes += [
        Scope(ScopeKind.TAG, slug, name) for slug, name in zip(record.tag_slugs, record.tags, strict=False)
    ]
    scopes += [
        Scope(ScopeKind.AUTHOR, slug, name)
        for slug, name in zip(record.author_slugs, record.authors, strict=False)
    ]
    return scopes


def _by_slug(names: Iterable[str]) -> dict[str, str]:
    """slug -> the first name that has it, in the editor's order; names without a slug are left out."""
    result: dict[str, str] = {}
    for name in names:
        slug = slugify(name)
        if slug:
            result.setdefault(slug, name)
    return result


def feed_scopes_touched(old: ArticleRecord | None, new: ArticleRecord | None) -> set[Scope]:
    """The feeds a change must regenerate: every feed the article was in before or is in after."""
    return {scope for scope in (*scopes_of(old), *scopes_of(new)) if scope.has_feed}


def _entries(record: ArticleRecord | None) -> dict[tuple[Scope, str, datetime], ListEntry]:
    """The list entries a record has: its scopes' if it is published, the schedule's if it is scheduled."""
    if not isinstance(record, Article):
        return {}
    card = record.card()
    scopes = [SCHEDULE] if record.status is ArticleStatus.SCHEDULED else scopes_of(record)
    return {(scope, card.id, card.published_at): ListEntry(scope, card) for scope in scopes}


def content_change(
    upload: UploadRecord | None,
    record: ArticleRecord | None = None,
    replaces: ArticleRecord | None = None,
    moved_from: Article | None = None,
) -> ContentChange:
    """The whole write for a record replacing another (and perhaps leaving a redirect at an old slug):
    list entries the article leaves are deleted, entries whose card changed are put, the rest left alone."""
    if record is None:
        return ContentChange(upload=upload)
    before = _entries(replaces) | _entries(moved_from)
    after = _entries(record)
    redirect = None
    if moved_from is not None:
        redirect = Moved(
            id=moved_from.id, slug=moved_from.slug, moved_to=record.slug, source_key=moved_from.source_key
        )
    return ContentChange(
        upload=upload,
        record=record,
        replaces=replaces,
        redirect=redirect,
        redirect_replaces=moved_from if redirect else None,
        list_puts=tuple(entry for key, entry in after.items() if key not in before or before[key] != entry),
        list_deletes=tuple(entry for key, entry in before.items() if key not in after),
        revision=record if isinstance(record, Article) else None,
    )
