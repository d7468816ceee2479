"""One atomic change of stored content, as the ingest decides it and the data layer applies it."""

from __future__ import annotations

from dataclasses import dataclass

from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved
from newsfeed.models.scope import Scope
from newsfeed.models.upload import UploadRecord


@dataclass(frozen=True)
class ListEntry:
    """An article's card in one scope's list (sorted there by publication time)."""

    scope: Scope
    card: ArticleCard


@dataclass(frozen=True)
class ContentChange:
    """Applied all at once or not at all.

    `upload` is written only if no equal-or-newer change of its key was applied (else StaleChange); None
    when the change is not an upload's (the scheduler publishing a scheduled article).
    `record` replaces `replaces` at its slug only while that is still what is stored (else
    ConcurrentChange); None leaves the article as it is. `redirect` (a slug change) replaces the article
    `redirect_replaces` at the old slug under the same rule. List entries are put and deleted alongside,
    and `revision` (a new version of an article's content) is kept in its history.
    """

    upload: UploadRecord | None
    record: ArticleRecord | None = None
    replaces: ArticleRecord | None = None
    redirect: Moved | None = None
    redirect_replaces: Article | None = None
    list_puts: tuple[ListEntry, ...] = ()
    list_deletes: tuple[ListEntry, ...] = ()
    revision: Article | None = None
