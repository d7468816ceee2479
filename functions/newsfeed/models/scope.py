"""Where an article is listed: the whole site, a section, a tag or an author. Feeds exist per scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ScopeKind(StrEnum):
    SITE = "site"
    SECTION = "section"
    TAG = "tag"
    AUTHOR = "author"
    SCHEDULE = "schedule"  # not a list readers see: scheduled articles, by the time they are due


@dataclass(frozen=True, order=True)
class Scope:
    kind: ScopeKind
    slug: str = ""
    name: str = field(default="", compare=False)  # as the editor wrote it; not part of identity

    @property
    def has_feed(self) -> bool:
        return self.kind in (ScopeKind.SITE, ScopeKind.SECTION, ScopeKind.TAG)


SITE = Scope(ScopeKind.SITE)
SCHEDULE = Scope(ScopeKind.SCHEDULE)


@dataclass(frozen=True)
class ListQuery:
    """One page of one scope's list, newest first: what the API asks of the data layer (one Query).

    `after` is the sort key to continue after; `since`/`until` bound the publication time (RFC 3339 UTC, as
    stored); `section`, `tag` and `author` (slugs) narrow the page to articles of that section, with that tag,
    by that author.
    """

    scope: Scope
    limit: int
    after: str | None = None
    since: str | None = None
    until: str | None = None
    section: str | None = None
    tag: str | None = None
    author: str | None = None
    consistent: bool = False
