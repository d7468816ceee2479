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
