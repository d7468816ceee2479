"""Where an article is listed: the whole site, a section, a tag or an author. Feeds exist per scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ScopeKind(StrEnum):
    SITE = "site"
    SECTION = "section"
    TAG = "tag"
    AUTHOR = "author"


@dataclass(frozen=True, order=True)
class Scope:
    kind: ScopeKind
    slug: str = ""
    name: str = field(default="", compare=False)  # as the editor wrote it; not part of identity

    @property
    def has_feed(self) -> bool:
        return self.kind is not ScopeKind.AUTHOR


SITE = Scope(ScopeKind.SITE)
