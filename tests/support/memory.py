"""In-memory stand-ins for the related index and the articles' related lists (`logic.related`'s ports), with
the semantics of the DynamoDB ones (`dal.related_index`): bounded posting reads newest first, conditional list
writes. For the relatedness evaluation and for unit tests; tests/integration/test_related.py checks that
both give the same lists."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import event

from newsfeed.logic.ingest import Ingest, IngestResult
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved, RelatedCard
from newsfeed.models.errors import ConcurrentChange
from newsfeed.models.related_index import Corpus, Posting, PostingList, Signature
from newsfeed.models.scope import Scope
from newsfeed.models.search import Indexed, Occurrence, SearchCorpus, TermPostings
from newsfeed.models.upload import ChangeKind, RejectionReport, UploadChange


@dataclass
class MemoryIndex:
    counts: Corpus = field(default_factory=Corpus)
    signatures_by_id: dict[str, Signature] = field(default_factory=dict)
    lists: dict[str, dict[int, Posting]] = field(default_factory=dict)  # term -> seq -> posting
    calls: int = 0  # what the DynamoDB index would have called

    def corpus(self) -> Corpus:
        self.calls += 1
        return self.counts

    def enter(self, length: float, *, new: bool) -> Corpus:
        self.calls += 1
        c = self.counts = Corpus(self.counts.articles, self.counts.length, self.counts.seq + 1)
        return Corpus(c.articles + (1 if new else 0), c.length + length, c.seq)

    def count_in(self, length: float, *, new: bool) -> None:
        if new or length:
            self.add(1 if new else 0, length, 0)

    def add(self, articles: int, length: float, seq: int) -> Corpus:
        self.calls += 1
        c = self.counts
        self.counts = Corpus(c.articles + articles, c.length + length, c.seq + seq)
        return self.counts

    def signature(self, article_id: str) -> Signature | None:
        self.calls += 1
        return self.signatures_by_id.get(article_id)

    def signatures(self, article_ids: Sequence[str]) -> dict[str, Signature]:
        self.calls += 1 if article_ids else 0
        return {i: self.signatures_by_id[i] for i in article_ids if i in self.signatures_by_id}

    def postings(self, terms: Sequence[str], limit: int, beyond: int) -> dict[str, PostingList]:
        self.calls += len(terms)
        found = {}
        for term in terms:
            items = [p for _, p in sorted(self.lists.get(term, {}).items(), reverse=True)[: limit + beyond]]
            found[term] = PostingList(
                tuple(items[:limit]), complete=len(items) < limit + beyond, beyond=tuple(items[limit:])
            )
        return found

    def store(
        self, signature: Signature, replaces: Signature | None, trim: Sequence[tuple[str, int]]
    ) -> None:
        self.calls += 1
        if replaces is not None:
            self._remove(replaces)
        for term, seq in trim:
            self.lists.get(term, {}).pop(seq, None)
        for term, weight in signature.terms.items():
            self.lists.setdefault(term, {})[signature.seq] = Posting(signature.id, signature.seq, weight)
        self.signatures_by_id[signature.id] = signature

    def write(
        self,
        postings: Sequence[tuple[str, Posting]],
        deletes: Sequence[tuple[str, int]],
        signatures: Sequence[Signature],
    ) -> None:
        self.calls += math.ceil((len(postings) + len(deletes) + len(signatures)) / 25)
        for term, seq in deletes:
            self.lists.get(term, {}).pop(seq, None)
        for term, posting in postings:
            self.lists.setdefault(term, {})[posting.seq] = posting
        self.signatures_by_id.update({signature.id: signature for signature in signatures})

    def drop(self, signature: Signature) -> None:
        self.calls += 2
        self._remove(signature)
        self.signatures_by_id.pop(signature.id, None)
        c = self.counts
        if c.articles >= 1 and c.length >= signature.length:  # (as the table's condition)
            self.counts = Corpus(c.articles - 1, c.length - signature.length, c.seq)

    def _remove(self, signature: Signature) -> None:
        for term in signature.terms:
            self.lists.get(term, {}).pop(signature.seq, None)


@dataclass
class MemoryLists:
    records: dict[str, ArticleRecord] = field(default_factory=dict)  # slug -> record
    edges: dict[str, dict[str, str]] = field(default_factory=dict)  # listed id -> listing id -> slug
    curating: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> curating id -> its slug
    calls: int = 0

    def put(self, record: ArticleRecord) -> None:
        self.records[record.slug] = record

    def listed_by(self, article_id: str) -> list[tuple[str, str]]:
        self.calls += 1
        return list(self.edges.get(article_id, {}).items())

    def article_record(self, slug: str) -> ArticleRecord | None:
        self.calls += 1
        return self.records.get(slug)

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        self.calls += 1 if slugs else 0
        return {s: self.records[s] for s in slugs if s in self.records}

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]:
        self.calls += 1
        found = {}
        for slug in slugs:
            record = self.records.get(slug)
            if isinstance(record, Moved):
                record = self.records.get(record.moved_to)
            if isinstance(record, Article):
                found[slug] = record
        return found

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        self.calls += len(scopes)
        public = [r for r in self.records.values() if isinstance(r, Article) and r.is_public]
        cards = []
        for scope in scopes:
            inside = [a for a in public if scope.slug in a.tag_slugs]  # (tags only: what Relator asks for)
            newest = sorted(inside, key=lambda a: (a.published_at, a.id), reverse=True)[:limit]
            cards += [a.card() for a in newest]
        return cards

    def replace_related(self, article: Article, related: Sequence[RelatedCard]) -> None:
        self.calls += 1
        if self.records.get(article.slug) != article:
            raise ConcurrentChange
        self.records[article.slug] = article.model_copy(update={"related": list(related)})

    def replace_related_all(self, changes: Sequence[tuple[Article, Sequence[RelatedCard]]]) -> list[Article]:
        self.calls += math.ceil(len(changes) / 100)
        changed = [article for article, _ in changes if self.records.get(article.slug) != article]
        for article, related in changes:
            if article not in changed:
                self.records[article.slug] = article.model_copy(update={"related": list(related)})
        return changed

    def note_listed(self, notes: Sequence[tuple[str, Article]]) -> None:
        self.calls += math.ceil(len(notes) / 25)
        for article_id, listing in notes:
            self.edges.setdefault(article_id, {})[listing.id] = listing.slug

    def note_curated(self, slugs: Sequence[str], listing: Article) -> None:
        self.calls += 1
        for slug in slugs:
            self.curating.setdefault(slug, {})[listing.id] = listing.slug

    def curated_by(self, slugs: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        self.calls += len(slugs)
        return {slug: list(self.curating.get(slug, {}).items()) for slug in slugs}

    def forget_listed_by(self, article_id: str, listing_id: str) -> None:
        self.calls += 1
        self.edges.get(article_id, {}).pop(listing_id, None)


@dataclass
class MemoryFiles:
    data: bytes
    reports: list[RejectionReport] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    def read(self, change: UploadChange) -> bytes | None:
        return self.data

    def exists(self, key: str) -> bool:
        return True

    def write_rejection(self, report: RejectionReport) -> None:
        self.reports.append(report)

    def read_rejection(self, key: str) -> RejectionReport | None:
        return next((report for report in reversed(self.reports) if report.key == key), None)

    def clear_rejection(self, key: str) -> None:
        self.cleared.append(key)


@dataclass
class MemoryStore:
    saved: list[object] = field(default_factory=list)

    def upload_record(self, key: str) -> None:
        return None

    def article_record(self, slug: str) -> None:
        return None

    def save(self, change: object) -> None:
        self.saved.append(change)


def ingest_in_memory(name: str, data: bytes) -> tuple[IngestResult, MemoryFiles, MemoryStore]:
    """One upload of `data` at inbox/`name` through the real ingest, over in-memory storage."""
    files, store = MemoryFiles(data), MemoryStore()
    ingest = Ingest(files=files, store=store, default_language="en")  # type: ignore[arg-type]
    change = UploadChange(
        kind=ChangeKind.PUT,
        bucket="uploads",
        key=f"inbox/{name}",
        size=len(data),
        etag="e",
        sequencer="01",
        event_time=datetime(2024, 3, 29, tzinfo=UTC),
    )
    result = ingest.apply(change)
    event(str(result.outcome))
    return result, files, store


@dataclass
class MemorySearchIndex:
    """The search index in memory (`dal.search_index`'s behaviour, for `make eval-search`), counting the calls
    the table would take."""

    counts: SearchCorpus = field(default_factory=SearchCorpus)
    lists: dict[str, dict[int, Occurrence]] = field(default_factory=dict)  # term -> seq -> occurrence
    entries: dict[str, Indexed] = field(default_factory=dict)
    calls: int = 0

    def corpus(self) -> SearchCorpus:
        self.calls += 1
        return self.counts

    def postings(self, terms: Sequence[str], limit: int) -> dict[str, TermPostings]:
        self.calls += len(terms)
        found = {}
        for term in terms:
            newest = sorted(self.lists.get(term, {}).items(), reverse=True)
            found[term] = TermPostings(tuple(o for _, o in newest[:limit]), len(newest) <= limit)
        return found

    def indexed(self, article_ids: Sequence[str]) -> dict[str, Indexed]:
        self.calls += math.ceil(len(article_ids) / 100)
        return {i: self.entries[i] for i in article_ids if i in self.entries}

    def reserve(self, count: int) -> int:
        self.calls += 1
        c = self.counts
        self.counts = SearchCorpus(c.articles, c.length, c.seq + count, c.languages)
        return self.counts.seq

    def write(
        self,
        postings: Sequence[tuple[str, Occurrence]],
        deletes: Sequence[tuple[str, int]],
        indexed: Sequence[Indexed],
        unindexed: Sequence[str],
    ) -> None:
        self.calls += math.ceil((len(postings) + len(deletes) + len(indexed) + len(unindexed)) / 25)
        for term, seq in deletes:
            self.lists.get(term, {}).pop(seq, None)
        for term, occurrence in postings:
            self.lists.setdefault(term, {})[occurrence.entry.seq] = occurrence
        self.entries.update({one.entry.article_id: one for one in indexed})
        for article_id in unindexed:
            self.entries.pop(article_id, None)

    def count(self, articles: int, length: float, languages: dict[str, int]) -> None:
        self.calls += 1
        c = self.counts
        merged = {
            code: c.languages.get(code, 0) + languages.get(code, 0) for code in {*c.languages, *languages}
        }
        self.counts = SearchCorpus(
            c.articles + articles, c.length + length, c.seq, {k: n for k, n in merged.items() if n > 0}
        )


@dataclass
class MemoryArticles:
    """Stored articles by slug, as a search reads its matches back."""

    by_slug: Mapping[str, ArticleRecord]

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        return {slug: self.by_slug[slug] for slug in slugs if slug in self.by_slug}
