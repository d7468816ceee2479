"""A scope's HTML pages read as one list, newest first, with each of its published articles once: the front
page (the scope's newest articles, as its feeds have them), then its archive pages from the newest down, each
without the articles the front page shows.

Archive pages are the feeds' RFC 5005 pages (an article's page is fixed when it enters the scope), so a
publish rewrites only what it touches: the front page, the pages that gained or lost articles, and the pages
of the articles that may have moved on to or off the front page (those at its edge). An archive page whose
every article is on the front page is passed over: the "older" links skip it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

LOOK_PAST = 4  # pages the front page shares articles with that are checked for being wholly on it


@dataclass(frozen=True)
class Chain:
    front: frozenset[str]  # the ids of the articles on the front page
    top: int  # the newest archive page (-1: none yet)
    covered: frozenset[int]  # archive pages whose every article is on the front page: passed over
    edge: frozenset[int]  # archive pages of the articles that may just have moved on to or off the front page

    def older(self, page: int | None) -> int | None:
        """The archive page after `page` (None: the front page) in the chain; None at its end."""
        start = self.top if page is None else page - 1
        return next((p for p in range(start, -1, -1) if p not in self.covered), None)

    def newer(self, page: int) -> int | None:
        """The archive page before `page` in the chain; None: the front page."""
        return next((p for p in range(page + 1, self.top + 1) if p not in self.covered), None)

    def touched(self, changed: set[int]) -> list[int]:
        """The archive pages a publish rewrites first: those that gained or lost articles, those at the front
        page's edge, and the first page of the chain (whose links follow the front page)."""
        first = self.older(None)
        pages = {p for p in changed | self.edge if 0 <= p <= self.top} | (
            {first} if first is not None else set()
        )
        return sorted(pages)

    def neighbours(self, page: int) -> list[int]:
        """The pages whose links pass over or stop at `page`: rewritten too when `page` may just have been
        passed over or stopped being so (when no more of its articles are off the front page than moved)."""
        return [n for n in (self.older(page), self.newer(page)) if n is not None]


def chain(
    front: Sequence[str],
    edge: Sequence[str],
    seqs: Mapping[str, int],
    *,
    entered: int,
    page_size: int,
    page_count: Callable[[int], int],
) -> Chain:
    """The chain, from the ids on the front page, those at its edge, their places in the archive (`seqs`),
    how many articles ever entered the scope and how many a page holds now (`page_count`, asked only of
    the few pages that share the most articles with the front page)."""
    on_front = Counter(seqs[i] // page_size for i in front if i in seqs)
    candidates = [page for page, _ in on_front.most_common(LOOK_PAST)]
    covered = frozenset(page for page in candidates if on_front[page] >= page_count(page))
    top = (entered - 1) // page_size if entered else -1
    return Chain(frozenset(front), top, covered, frozenset(seqs[i] // page_size for i in edge if i in seqs))
