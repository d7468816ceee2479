"""How much the bulk lane has still to write (`logic.site.lanes`), as `newsfeed status` reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backlog:
    """How much the bulk lane has still to do: pages, and scopes (feeds, pages and archives of each), as
    counted when handed over (a page handed over twice counts twice)."""

    pages: int = 0
    scopes: int = 0

    @property
    def done(self) -> bool:
        return self.pages <= 0 and self.scopes <= 0
