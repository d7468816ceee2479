"""The interfaces the domain logic needs from storage; the data-access layer implements them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsfeed.models.article import Article, ArticleCard, ArticleRecord, RelatedCard
from newsfeed.models.content import ContentChange
from newsfeed.models.photo import Focus, Photo
from newsfeed.models.related_index import Corpus, Posting, PostingList, Signature
from newsfeed.models.scope import Scope
from newsfeed.models.search import Indexed, Occurrence, SearchCorpus, TermPostings
from newsfeed.models.upload import ImportResult, RejectionReport, UploadChange, UploadRecord


class UploadFiles(Protocol):
    """The uploads bucket as the ingest sees it."""

    def read(self, change: UploadChange, limit: int = ...) -> bytes | None:
        """The object's first `limit` + 1 bytes while it is the version `change` describes; None if it
        changed or vanished."""

    def exists(self, key: str) -> bool: ...

    def write_rejection(self, report: RejectionReport) -> None: ...

    def read_rejection(self, key: str) -> RejectionReport | None: ...

    def clear_rejection(self, key: str) -> None: ...

    def clear_rejections(self, keys: Sequence[str]) -> None: ...

    def write_import_result(self, result: ImportResult) -> None: ...


class PhotoLookup(Protocol):
    """The image function's photo records, as the ingest reads them, and its queue."""

    def photo(self, key: str) -> Photo | None: ...

    def ask_crops(self, photo: Photo, focus: Focus) -> None:
        """Have the image function make a photo's crops around this focal point."""


class ContentStore(Protocol):
    """The content table as the ingest sees it."""

    def upload_record(self, key: str) -> UploadRecord | None: ...

    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def save(self, change: ContentChange) -> None:
        """Apply atomically. Raises StaleChange or ConcurrentChange."""


class BulkContentStore(ContentStore, Protocol):
    """The content table as an import bundle uses it: reads and writes in batches."""

    def upload_records(self, keys: Sequence[str]) -> dict[str, UploadRecord]: ...

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]: ...

    def save_all(self, changes: Sequence[ContentChange]) -> list[int]:
        """Apply in as few transactions as fit (each all or nothing); the indexes of changes not applied."""


class RelatingLists(Protocol):
    """The articles' related lists as relating an article uses them (one by one, or a batch's view)."""

    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]: ...

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]: ...

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        """Up to `limit` newest cards of each scope's list (one bounded Query per scope)."""

    def replace_related(self, article: Article, related: Sequence[RelatedCard]) -> None:
        """Set the list while the article is still `article` (else ConcurrentChange)."""

    def note_listed(self, notes: Sequence[tuple[str, Article]]) -> None:
        """Note that each (article id, listing article) pair's article lists that article (one batch)."""

    def note_curated(self, slugs: Sequence[str], listing: Article) -> None:
        """Note that `listing` curates these slugs, which have no public article yet."""

    def curated_by(self, slugs: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """For each slug, (id, slug) of the articles that noted they curate it (one bounded Query a slug)."""


class RelatedLists(RelatingLists, Protocol):
    """The articles' related lists, as stored on the articles: also written many at once, and followed from
    an article to the lists that show it (to take it out of them)."""

    def replace_related_all(self, changes: Sequence[tuple[Article, Sequence[RelatedCard]]]) -> list[Article]:
        """Set each list while its article is still as given, in as few requests as the conditions allow;
        those whose article had changed (nothing is written for them)."""

    def listed_by(self, article_id: str) -> list[tuple[str, str]]: ...

    def forget_listed_by(self, article_id: str, listing_id: str) -> None: ...


class RelatingIndex(Protocol):
    """The inverted index of published articles' terms, as relating an article uses it (one by one, or a
    batch's view)."""

    def corpus(self) -> Corpus: ...

    def enter(self, length: float, *, new: bool) -> Corpus:
        """Take the article's new sequence number; the corpus as it will be with the article counted in
        (`new`: one more; else re-indexed) with `length` more terms, whose `seq` is that number. Nothing is
        counted until `count_in`, once the article is indexed: a relating that fails or finds the article
        changed, then runs again, counts it once."""

    def count_in(self, length: float, *, new: bool) -> None:
        """Count the article `enter` saw in, now that its signature is stored."""

    def signature(self, article_id: str) -> Signature | None: ...

    def signatures(self, article_ids: Sequence[str]) -> dict[str, Signature]: ...

    def postings(self, terms: Sequence[str], limit: int, beyond: int) -> dict[str, PostingList]:
        """Each term's newest `limit` postings, and up to `beyond` more past them."""

    def store(
        self, signature: Signature, replaces: Signature | None, trim: Sequence[tuple[str, int]]
    ) -> None:
        """Write the signature and its postings; delete those of `replaces` and the (term, seq) in `trim`."""


class RelatedIndex(RelatingIndex, Protocol):
    """The inverted index as stored: also written in bulk (a batch's flush) and emptied of an article."""

    def add(self, articles: int, length: float, seq: int) -> Corpus:
        """Add to the corpus's counts at once (`seq`: sequence numbers reserved); the corpus after."""

    def write(
        self,
        postings: Sequence[tuple[str, Posting]],
        deletes: Sequence[tuple[str, int]],
        signatures: Sequence[Signature],
    ) -> None:
        """Write postings (term, posting) and signatures, and delete the postings at (term, seq)."""

    def drop(self, signature: Signature) -> None:
        """Delete the signature and its postings, and count the article out of the corpus."""


class SearchReader(Protocol):
    """The search index as a query reads it (`logic.search.finder`)."""

    def corpus(self) -> SearchCorpus: ...

    def postings(self, terms: Sequence[str], limit: int) -> dict[str, TermPostings]:
        """Each term's newest `limit` postings (one Query a term, several at once)."""


class SearchArticles(Protocol):
    """The stored articles, as a query reads its matches back."""

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]: ...


class SearchIndex(Protocol):
    """The search index as the content stream keeps it (`logic.search.indexing`)."""

    def indexed(self, article_ids: Sequence[str]) -> dict[str, Indexed]:
        """What is indexed of each of these articles (one BatchGetItem per 100)."""

    def reserve(self, count: int) -> int:
        """Take `count` new sequence numbers; the last of them."""

    def write(
        self,
        postings: Sequence[tuple[str, Occurrence]],
        deletes: Sequence[tuple[str, int]],
        indexed: Sequence[Indexed],
        unindexed: Sequence[str],
    ) -> None:
        """Write postings (term, posting) and what is indexed of articles; delete the postings at (term, seq)
        and what was indexed of the articles `unindexed`."""

    def count(self, articles: int, length: float, languages: dict[str, int]) -> None:
        """Add to the corpus's counts (negative: take away)."""
