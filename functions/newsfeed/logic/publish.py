"""Regenerating the feeds a batch of content changes touched.

Never backwards: for each scope the current ETags are read *before* the articles, and every file is
written only if its ETag is still the one read. A regeneration that read older articles therefore cannot
overwrite a newer feed: its write fails, and it starts over from fresh reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from newsfeed.logic.feeds import FeedFormat, feed_path, render_feed
from newsfeed.models.article import Article
from newsfeed.models.errors import PreconditionFailed
from newsfeed.models.scope import Scope, ScopeKind
from newsfeed.models.site import Site

MAX_ATTEMPTS = 5


class FeedSource(Protocol):
    def newest_articles(self, scope: Scope, limit: int) -> list[Article]: ...


class FeedFiles(Protocol):
    def etag(self, path: str) -> str | None: ...

    def write_if_changed(
        self, path: str, body: bytes, *, content_type: str, cache_control: str, expected: str | None
    ) -> bool:
        """Write unless `body` is there already, only while the file has ETag `expected`; True if written."""


@dataclass
class FeedPublisher:
    source: FeedSource
    files: FeedFiles
    site: Site
    items: int
    formats: Sequence[FeedFormat] = (FeedFormat.RSS, FeedFormat.JSON)
    scope_kinds: frozenset[ScopeKind] = field(default_factory=lambda: frozenset({ScopeKind.SITE}))

    def regenerate(self, scopes: Iterable[Scope]) -> list[str]:
        """Bring every feed of `scopes` up to date; the paths of the files that changed."""
        written: list[str] = []
        for scope in sorted(set(scopes)):
            if scope.kind in self.scope_kinds:
                written += self._regenerate(scope)
        return written

    def _regenerate(self, scope: Scope) -> list[str]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            expected = {fmt: self.files.etag(feed_path(scope, fmt)) for fmt in self.formats}
            articles = self.source.newest_articles(scope, self.items)
            written = []
            try:
                for fmt in self.formats:
                    file = render_feed(fmt, self.site, scope, articles)
                    if self.files.write_if_changed(
                        file.path,
                        file.body,
                        content_type=file.content_type,
                        cache_control=file.cache_control,
                        expected=expected[fmt],
                    ):
                        written.append(file.path)
            except PreconditionFailed:
                if attempt == MAX_ATTEMPTS:
                    raise
                continue
            return written
        raise AssertionError("unreachable")  # pragma: no cover
