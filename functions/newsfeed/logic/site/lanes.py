"""The bulk lane: what the publisher hands over of the changes it reads so that live ones never wait.

The publisher reads every change of the content table in the stream's order. A live change (an editor's
publish, correction, unpublish, a scheduled article coming due) is done there and then. Bulk work (an
import's articles, and pages whose related list is all that changed) is handed over as messages to the bulk
lane (`handlers.bulk_publisher`), which renders it in parallel and coalesced: per scope, the work of many of
the publisher's batches at once. A scope's messages share a group (one at a time, in order); pages are spread
over PAGE_GROUPS groups that run side by side. Entries and exits carry their change's stamp, so the two
lanes can apply them in any order (`dal.archives`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from newsfeed.logic.articles import scopes_of
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.backlog import Backlog, total
from newsfeed.models.scope import Scope, ScopeKind

PAGE_GROUPS = 8  # message groups pages are spread over: how many bulk invocations render pages at once
PAGES_PER_MESSAGE = 500  # slugs in one message (a few tens of KB, well under SQS's 256 KB)


@dataclass
class ScopeWork:
    """Of one scope: slug -> stamp of the articles that entered it (read afresh when done), article id ->
    stamp of those that left it."""

    entered: dict[str, str] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)

    def merge(self, other: ScopeWork) -> None:
        for mine, theirs in ((self.entered, other.entered), (self.left, other.left)):
            for key, stamp in theirs.items():
                mine[key] = max(mine.get(key, ""), stamp)


@dataclass
class BulkWork:
    """What the bulk lane has to do: pages to bring up to date, and scopes' entries and exits (each scope's
    feeds, pages and archives to write again)."""

    pages: set[str] = field(default_factory=set)
    scopes: dict[Scope, ScopeWork] = field(default_factory=dict)

    def add(
        self, slug: str | None, change: tuple[ArticleRecord | None, ArticleRecord | None] | None, stamp: str
    ) -> None:
        """One change read from the stream: its page (`slug`), and the scopes it enters and leaves."""
        if slug is not None:
            self.pages.add(slug)
        if change is None:
            return
        old, new = change
        before, after = set(scopes_of(old)), set(scopes_of(new))
        for scope in before ^ after:
            if not scope.has_feed:
                continue
            work = self.scopes.setdefault(scope, ScopeWork())
            if scope in after and isinstance(new, Article):
                work.entered[new.slug] = max(work.entered.get(new.slug, ""), stamp)
            elif old is not None:
                work.left[old.id] = max(work.left.get(old.id, ""), stamp)

    def merge(self, other: BulkWork) -> None:
        self.pages |= other.pages
        for scope, work in other.scopes.items():
            self.scopes.setdefault(scope, ScopeWork()).merge(work)


def scope_group(scope: Scope) -> str:
    return f"scope-{scope.kind.value}-{scope.slug}"[:128]


def page_group(slug: str) -> str:
    return f"pages-{zlib.crc32(slug.encode()) % PAGE_GROUPS}"


def to_messages(work: BulkWork, handed_in: int) -> list[tuple[str, str, Backlog]]:
    """(message group, body, the backlog it stands for) for each message of `work`, handed over in slot
    `handed_in` (`models.backlog.slot`): the work of each scope, and pages by group."""
    bodies: list[tuple[str, dict[str, object]]] = []
    for scope, scoped in sorted(work.scopes.items()):
        body: dict[str, object] = {"scope": [scope.kind.value, scope.slug, scope.name]}
        bodies.append((scope_group(scope), body | {"entered": scoped.entered, "left": scoped.left}))
    by_group: dict[str, list[str]] = {}
    for slug in sorted(work.pages):
        by_group.setdefault(page_group(slug), []).append(slug)
    for group, slugs in sorted(by_group.items()):
        for start in range(0, len(slugs), PAGES_PER_MESSAGE):
            bodies.append((group, {"pages": slugs[start : start + PAGES_PER_MESSAGE]}))
    return [
        (group, json.dumps(body, ensure_ascii=False, separators=(",", ":")), counted(body))
        for group, body in ((group, body | {"slot": handed_in}) for group, body in bodies)
    ]


def counted(body: Mapping[str, object]) -> Backlog:
    """The backlog one message stands for: its pages, or its one scope; in its slot."""
    pages, handed_in = body.get("pages"), body.get("slot")
    return Backlog(
        pages=len(pages) if isinstance(pages, list) else 0,
        scopes=1 if "scope" in body else 0,
        slots={handed_in: 1} if isinstance(handed_in, int) else {},
    )


def from_messages(bodies: Iterable[str]) -> tuple[BulkWork, Backlog]:
    """The work of many messages, merged (each page once, each scope once), and the backlog they stood for."""
    work, counts = BulkWork(), []
    for raw in bodies:
        body = json.loads(raw)
        part = BulkWork(pages=set(body.get("pages", [])))
        if "scope" in body:
            kind, slug, name = body["scope"]
            part.scopes[Scope(ScopeKind(kind), slug, name)] = ScopeWork(body["entered"], body["left"])
        work.merge(part)
        counts.append(counted(body))
    return work, total(counts)


def entries(
    work: ScopeWork, scope: Scope, records: Mapping[str, ArticleRecord]
) -> tuple[list[Article], dict[str, str]]:
    """The articles still in `scope` among those that entered it (as stored now: a later change took the
    others elsewhere, and its own entry or exit says so), and their stamps by article id."""
    articles = [
        record
        for slug in work.entered
        if isinstance(record := records.get(slug), Article) and scope in scopes_of(record)
    ]
    return articles, {a.id: work.entered[a.slug] for a in articles}


def entered_slugs(works: Sequence[ScopeWork]) -> list[str]:
    return sorted({slug for work in works for slug in work.entered})
