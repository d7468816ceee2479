"""Regenerating what a batch of content changes touched: feeds and their archives, the site's pages (each
changed article's, and each touched scope's page and archive pages, rendered with its feeds from the same
reads), the news sitemap.

Never backwards: for each file the current ETag is read *before* the articles, and the file is written
only if its ETag is still the one read. A regeneration that read older articles therefore cannot overwrite
a newer file: its write fails, and it starts over from fresh reads.

Bursts coalesce: the handler gathers a whole batch of stream records first, so each touched scope is
regenerated once per batch however many of its articles changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Protocol, TypeVar

from newsfeed.logic.articles import scopes_of
from newsfeed.logic.site.feeds import Document, render_feed
from newsfeed.logic.site.listing_chain import Chain, chain
from newsfeed.logic.site.pages import (
    LOGO_PATH,
    LOGO_TYPE,
    icon,
    logo,
    render_article_page,
    render_moved,
    render_not_found,
    render_scope_page,
)
from newsfeed.logic.site.paths import (
    HTML,
    ICON_SIZES,
    NOT_FOUND_PAGE,
    OPENSEARCH,
    OPENSEARCH_TYPE,
    FeedFormat,
    SiteFile,
    article_page_path,
    scope_dir,
    scope_page_path,
)
from newsfeed.logic.site.sitemap import (
    MAX_URLS,
    ROBOTS_PATH,
    SITEMAP_PATH,
    render_news_sitemap,
    render_opensearch,
    render_robots,
    window_start,
)
from newsfeed.models import caching, limits
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved
from newsfeed.models.errors import ConcurrentChange, retry_on_conflict
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

T = TypeVar("T")
R = TypeVar("R")


class FeedSource(Protocol):
    def newest_articles(self, scope: Scope, limit: int) -> list[Article]: ...

    def articles_of(self, cards: Sequence[ArticleCard]) -> list[Article]: ...

    def recent_cards(self, scope: Scope, since: str, limit: int) -> list[ArticleCard]: ...

    def records_at(self, slugs: Sequence[str]) -> Mapping[str, ArticleRecord]: ...


class Bookkeeping(Protocol):
    """Archive membership and the registry of scopes with feeds."""

    def enter(
        self, scope: Scope, cards: Sequence[ArticleCard], stamps: Mapping[str, str] | None = None
    ) -> set[int]: ...

    def leave(
        self, scope: Scope, article_ids: Sequence[str], stamps: Mapping[str, str] | None = None
    ) -> set[int]: ...

    page_size: int

    def entered(self, scope: Scope) -> int: ...

    def seqs(self, scope: Scope, ids: Sequence[str]) -> dict[str, int]: ...

    def page(self, scope: Scope, page: int) -> list[ArticleCard]: ...

    def register(self, scope: Scope) -> None: ...

    def unregister(self, scope: Scope) -> None: ...


class FeedFiles(Protocol):
    def etag(self, path: str) -> str | None: ...

    def write_if_changed(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        expected: str | None,
        redirect: str | None = None,
    ) -> bool:
        """Write unless `body` is there already, only while the file has ETag `expected`; True if written.
        `redirect`: the file's address answers 301 to this URL."""

    def delete(self, path: str) -> None: ...

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` for each item, requests side by side; the answers in the items' order."""


class Pinger(Protocol):
    def changed(self, urls: Sequence[str]) -> None:
        """Tell the WebSub hubs (later, and retried) that these feeds changed."""


@dataclass(frozen=True)
class FileSet:
    """Files written together: their paths (to read ETags first) and how to build their content."""

    paths: list[str]
    build: Callable[[], list[SiteFile]]

    @classmethod
    def of(cls, file: SiteFile) -> FileSet:
        """A file whose content is known already."""
        return cls([file.path], lambda: [file])


@dataclass
class ScopeChange:
    """The articles that entered a scope and those that left it, each with the stamp of the change that
    did it (`Bookkeeping.enter`: the lanes apply changes in any order, and the newest wins)."""

    entered: list[ArticleCard] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    entry_stamps: dict[str, str] = field(default_factory=dict)
    exit_stamps: dict[str, str] = field(default_factory=dict)


def scope_changes(
    pairs: Iterable[tuple[ArticleRecord | None, ArticleRecord | None]], stamps: Iterable[str] = ()
) -> dict[Scope, ScopeChange]:
    """For each feed scope a batch touches: the articles that entered it and those that left it (`stamps`:
    of each pair's change, in the same order, if known)."""
    changes: dict[Scope, ScopeChange] = {}
    known = list(stamps)
    for n, (old, new) in enumerate(pairs):
        stamp = known[n] if n < len(known) else ""
        before = {s for s in scopes_of(old) if s.has_feed}
        after = {s for s in scopes_of(new) if s.has_feed}
        for scope in before | after:
            change = changes.setdefault(scope, ScopeChange())
            if scope in after and scope not in before and isinstance(new, Article):
                change.entered.append(new.card())
                change.entry_stamps[new.id] = stamp
            if scope in before and scope not in after and old is not None:
                change.left.append(old.id)
                change.exit_stamps[old.id] = stamp
    return changes


def has_page(record: ArticleRecord | None) -> bool:
    """Whether a slug has a page: a public article's, or the redirect a moved one leaves."""
    return isinstance(record, Moved) or (isinstance(record, Article) and record.is_public)


@dataclass
class Regenerator:
    source: FeedSource
    files: FeedFiles
    book: Bookkeeping
    site: Site
    items: int
    pinger: Pinger | None = None
    formats: Sequence[FeedFormat] = tuple(FeedFormat)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def regenerate(self, scope: Scope, change: ScopeChange) -> list[str]:
        """Bring everything of one scope up to date; the paths of the files that changed."""
        pages: set[int] = set()
        if change.entered:
            pages |= self.book.enter(scope, change.entered, change.entry_stamps)
        if change.left:
            pages |= self.book.leave(scope, change.left, change.exit_stamps)
        entered = self.book.entered(scope)
        full = entered // self.book.page_size
        newest: list[int] = []  # how many articles the scope has now, as the regeneration read them
        chains: list[Chain] = []  # the HTML pages' chain, as the front page's regeneration read it
        margin = len(change.entered) + len(change.left)
        current = self._write(self._current(scope, entered, margin, newest, chains))
        written = list(current)
        listing = chains[-1] if chains else None
        todo = listing.touched(pages) if listing else sorted(p for p in pages if p < full)  # (emptied)
        done: set[int] = set()
        while todo:
            page = todo.pop(0)
            done.add(page)
            refeed = page in pages and page < full  # an archive feed changes only with its articles
            shown: list[int] = []  # how many articles the page shows (those off the front page)
            if listing and page in listing.covered and not refeed:
                shown.append(0)  # wholly on the front page: out of the chain, nothing to show
            else:
                written += self._write(self._archive(scope, page, refeed, listing, shown))
            if listing and shown and shown[-1] <= margin:  # its place in the chain may have changed
                todo += [n for n in listing.neighbours(page) if n not in done and n not in todo]
        if scope.kind is ScopeKind.SITE:
            written += self._write(self._site_files())
        elif newest == [0]:
            written += self._remove(scope)
        elif current:
            self.book.register(scope)
        feeds = [path for path in current if path.startswith(scope_dir(scope) + "/")]
        if feeds and self.pinger is not None and self.site.hubs:
            self.pinger.changed([self.site.public_url(path) for path in feeds])
        return written

    def _documents(self, scope: Scope, page: int | None, prev: int | None) -> list[Document]:
        hubs = self.site.hubs if page is None else ()
        return [Document(scope, fmt, page=page, prev_archive=prev, hubs=hubs) for fmt in self.formats]

    def _remove(self, scope: Scope) -> list[str]:
        """A section or tag without published articles goes away: out of the registry (GET /feeds, /tags),
        its current feeds and its page deleted (readers get 404 rather than an empty feed that says nothing
        happened since 1970)."""
        self.book.unregister(scope)
        paths = [doc.path for doc in self._documents(scope, None, None)] + [scope_page_path(scope)]
        for path in paths:
            self.files.delete(path)
        return paths

    def _chain(self, scope: Scope, articles: Sequence[Article], margin: int, entered: int) -> Chain:
        front = [a.id for a in articles[: self.items]]
        edge = [a.id for a in articles[max(0, self.items - margin) :]]
        return chain(
            front,
            edge,
            self.book.seqs(scope, list(dict.fromkeys(front + edge))),
            entered=entered,
            page_size=self.book.page_size,
            page_count=lambda page: len(self.book.page(scope, page)),
        )

    def _current(
        self, scope: Scope, entered: int, margin: int, newest: list[int], chains: list[Chain]
    ) -> FileSet:
        full = entered // self.book.page_size
        documents = self._documents(scope, None, full - 1 if full else None)
        path = scope_page_path(scope)

        def build() -> list[SiteFile]:
            read = self.source.newest_articles(scope, self.items + margin)
            articles = read[: self.items]
            newest[:] = [len(articles)]
            if not articles and scope.kind is not ScopeKind.SITE:
                return []  # the scope goes away (publish)
            chains.append(self._chain(scope, read, margin, entered))
            page = render_scope_page(self.site, scope, articles, older=chains[-1].older(None))
            feeds = [render_feed(self.site, doc, articles) for doc in documents]
            return [*feeds, SiteFile(path, page, HTML, caching.ARTICLE)]

        return FileSet([doc.path for doc in documents] + [path], build)

    def _archive(
        self, scope: Scope, page: int, feeds: bool, listing: Chain | None, shown: list[int]
    ) -> FileSet:
        """Archive page `page`: its HTML page in the chain (without the front page's articles), and its
        feeds if asked (a full page's, when it gained or lost articles: RFC 5005 archives change only so)."""
        documents = self._documents(scope, page, page - 1 if page else None) if feeds else []
        path = scope_page_path(scope, page)
        front = listing.front if listing else frozenset()

        def build() -> list[SiteFile]:
            articles = self.source.articles_of(self.book.page(scope, page))
            off_front = [a for a in articles if a.id not in front]
            shown.append(len(off_front))
            html = render_scope_page(
                self.site,
                scope,
                off_front,
                page=page,
                older=listing.older(page) if listing else (page - 1 if page else None),
                newer=listing.newer(page) if listing else None,
                newer_is_current=listing is None or listing.newer(page) is None,
            )
            feeds = [render_feed(self.site, doc, articles) for doc in documents]
            return [*feeds, SiteFile(path, html, HTML, caching.ARTICLE)]  # its edge follows the front page

        return FileSet([doc.path for doc in documents] + [path], build)

    def regenerate_pages(self, slugs: Iterable[str]) -> list[str]:
        """Bring the pages of these slugs up to what is stored at them now: a public article's page (its
        related list included), a moved article's old address answering 301 to its new page, no page for
        any other slug. Both lanes do this at once (`handlers.publisher`, `handlers.bulk_publisher`), so the
        records are read after the pages' ETags (a write from an older read fails, and that page starts
        over), and read again once written: a takedown stored meanwhile is followed here, not left to a page
        the other lane deleted already. Requests go out side by side (`FeedFiles.each`)."""
        pending = sorted(set(slugs))
        written: list[str] = []
        for _ in range(limits.CONFLICT_ATTEMPTS):
            if not pending:
                return written
            paths = [article_page_path(slug) for slug in pending]
            expected = dict(zip(paths, self.files.each(self.files.etag, paths), strict=True))
            records = self.source.records_at(pending)
            results = self.files.each(partial(self._page, records, expected), pending)
            written += [path for path, landed in results if path and landed]
            lost = {slug for slug, (_, landed) in zip(pending, results, strict=True) if landed is None}
            now = self.source.records_at(pending)
            pending = sorted(lost | {slug for slug in pending if now.get(slug) != records.get(slug)})
        if pending:
            raise ConcurrentChange(f"pages kept changing: {pending[:5]}")
        return written

    def _page(
        self, records: Mapping[str, ArticleRecord], expected: Mapping[str, str | None], slug: str
    ) -> tuple[str | None, bool | None]:
        """Write (or delete) one page as its record says: (its path if it has one, whether it was written;
        None if another writer got there first)."""
        path, record = article_page_path(slug), records.get(slug)
        if isinstance(record, Moved):
            to = self.site.article_url(record.moved_to)
            page = SiteFile(path, render_moved(self.site, to), HTML, caching.ARTICLE, redirect=to)
        elif isinstance(record, Article) and has_page(record):
            page = SiteFile(path, render_article_page(self.site, record), HTML, caching.ARTICLE)
        else:
            self.files.delete(path)
            return None, False
        try:
            return path, self.files.write_if_changed(
                path,
                page.body,
                content_type=page.content_type,
                cache_control=page.cache_control,
                expected=expected[path],
                redirect=page.redirect,
            )
        except ConcurrentChange:
            return path, None

    def _site_files(self) -> FileSet:
        def build() -> list[SiteFile]:
            now = self.clock()
            cards = self.source.recent_cards(SITE, format_utc(window_start(now)), MAX_URLS)
            sitemap = render_news_sitemap(self.site, cards, now)
            return [
                SiteFile(SITEMAP_PATH, sitemap, "application/xml; charset=utf-8", caching.DOCUMENT),
                SiteFile(
                    ROBOTS_PATH, render_robots(self.site), "text/plain; charset=utf-8", caching.DOCUMENT
                ),
                SiteFile(NOT_FOUND_PAGE, render_not_found(self.site), HTML, caching.DOCUMENT),
                SiteFile(LOGO_PATH, logo(), LOGO_TYPE, caching.DOCUMENT),
                SiteFile(OPENSEARCH, render_opensearch(self.site), OPENSEARCH_TYPE, caching.DOCUMENT),
                *(SiteFile(path, icon(path), "image/png", caching.DOCUMENT) for path in ICON_SIZES),
            ]

        return FileSet([SITEMAP_PATH, ROBOTS_PATH, NOT_FOUND_PAGE, LOGO_PATH, OPENSEARCH, *ICON_SIZES], build)

    def _write(self, files: FileSet) -> list[str]:
        """Read ETags, then content, then write each changed file on the condition of its ETag; all of it
        again, from fresh ETags, when another writer got to a file first."""
        return retry_on_conflict(lambda: self._write_once(files))

    def _write_once(self, files: FileSet) -> list[str]:
        expected = {path: self.files.etag(path) for path in files.paths}
        written = []
        for file in files.build():
            if self.files.write_if_changed(
                file.path,
                file.body,
                content_type=file.content_type,
                cache_control=file.cache_control,
                expected=expected[file.path],
                redirect=file.redirect,
            ):
                written.append(file.path)
        return written
