"""How much the bulk lane has still to write (`logic.site.lanes`), as `newsfeed status` reports it; and when
it was handed over, so that `newsfeed import` can tell its own work written while live work goes on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SLOT_SECONDS = 5  # the bulk lane's work is counted by the five seconds (of the handing publisher's clock) it
# was handed over in: one counter each while it is being written, removed once it is


def slot(at: float) -> int:
    """The slot a time (epoch seconds) falls in."""
    return int(at // SLOT_SECONDS)


@dataclass(frozen=True)
class Backlog:
    """How much the bulk lane has still to do: pages, and scopes (feeds, pages and archives of each), as
    counted when handed over (a page handed over twice counts twice); by slot, the messages of that work not
    yet written; and the slot the table's clock was in when it was read (None: not read, or no clock)."""

    pages: int = 0
    scopes: int = 0
    slots: Mapping[int, int] = field(default_factory=dict)
    read_in: int | None = field(default=None, compare=False)

    @property
    def done(self) -> bool:
        return self.pages <= 0 and self.scopes <= 0

    def written_until(self, last: int) -> bool:
        """Whether everything handed over in slot `last` or before is written. Final only once the slot is
        over (`read_in` past it): until then more can be handed over in it."""
        return all(count <= 0 for handed, count in self.slots.items() if handed <= last)


def total(backlogs: Iterable[Backlog]) -> Backlog:
    """The backlogs added up."""
    pages, scopes, slots = 0, 0, Counter[int]()
    for backlog in backlogs:
        pages, scopes = pages + backlog.pages, scopes + backlog.scopes
        slots.update(backlog.slots)
    return Backlog(pages, scopes, dict(slots))
