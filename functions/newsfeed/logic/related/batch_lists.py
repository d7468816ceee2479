"""Related lists for one batch of relating together (`logic.related.batch`): each article record read once,
each changed list written once.

`BatchLists` reads the records of the batch's articles, and of the older articles it will likely offer them
to, in bulk up front, and any other when first asked for; it keeps every list the batch changes in memory,
and `flush` writes each changed list once: TransactWriteItems of up to 100 conditional updates. A list whose
article another writer changed meanwhile is read again and written with both writers' changes (`_again`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from newsfeed.logic.ports import RelatedLists
from newsfeed.logic.related.relator import offered
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved, RelatedCard
from newsfeed.models.errors import ConcurrentChange, retry_on_conflict
from newsfeed.models.scope import Scope

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def read_through(
    known: dict[K, V | None], keys: Sequence[K], read: Callable[[list[K]], Mapping[K, V]]
) -> dict[K, V]:
    """The values at `keys`, reading (once, together) those not yet in `known`, and remembering what was
    found and what was not (None), so that a batch reads each thing once."""
    missing = [key for key in dict.fromkeys(keys) if key not in known]
    if missing:
        found = read(missing)
        known.update({key: found.get(key) for key in missing})
    return {key: value for key in keys if (value := known[key]) is not None}


@dataclass
class _Listed:
    """One article's record as read (the batch's write is conditional on it), and as the batch left it."""

    base: Article
    current: Article


class BatchLists:
    """Related lists for one batch (`RelatedLists`): each record read once, each changed list written once."""

    def __init__(self, lists: RelatedLists) -> None:
        self.lists = lists
        self.records: dict[str, ArticleRecord | None] = {}
        self.relating: set[str] = set()  # slugs of the articles the batch relates
        self.listed: dict[str, _Listed] = {}
        self.notes: dict[tuple[str, str], tuple[str, Article]] = {}
        self.noted: dict[str, list[tuple[str, str]] | None] = {}  # slug -> curating (id, slug) as read
        self.curating: dict[str, dict[str, str]] = {}  # slug -> id -> slug of those the batch noted
        self.cards: dict[tuple[Scope, int], list[ArticleCard]] = {}

    def relating_all(self, articles: Sequence[Article], offered_to: Sequence[str]) -> None:
        """Read in one go the records of the articles the batch relates (their stored state, which may be
        newer than the stream's image of them) and of those it will likely offer them to, and the notes of
        articles waiting to list them."""
        self.relating.update(article.slug for article in articles)
        self.article_records([*self.relating, *offered_to])
        self.curated_by(list(self.relating))

    def article_record(self, slug: str) -> ArticleRecord | None:
        return self.article_records([slug]).get(slug)

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        return read_through(self.records, slugs, self.lists.article_records)

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]:
        records = self.article_records(slugs)
        moved = {s: r.moved_to for s, r in records.items() if isinstance(r, Moved)}
        targets = self.article_records(list(moved.values())) if moved else {}
        found = {s: r for s, r in records.items() if isinstance(r, Article)}
        found.update({s: t for s, m in moved.items() if isinstance(t := targets.get(m), Article)})
        return found

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        missing = [s for s in scopes if (s, limit) not in self.cards]
        for scope in missing:  # the lists are the ingest's: the batch does not change them
            self.cards[(scope, limit)] = self.lists.newest_cards([scope], limit)
        return [card for scope in scopes for card in self.cards[(scope, limit)]]

    def replace_related(self, article: Article, related: Sequence[RelatedCard]) -> None:
        if self.records.get(article.slug) != article:
            raise ConcurrentChange
        listed = self.listed.setdefault(article.slug, _Listed(base=article, current=article))
        listed.current = article.model_copy(update={"related": list(related)})
        self.records[article.slug] = listed.current

    def note_listed(self, notes: Sequence[tuple[str, Article]]) -> None:
        self.notes.update({(article_id, listing.id): (article_id, listing) for article_id, listing in notes})

    def note_curated(self, slugs: Sequence[str], listing: Article) -> None:
        self.lists.note_curated(slugs, listing)
        for slug in slugs:
            self.curating.setdefault(slug, {})[listing.id] = listing.slug

    def curated_by(self, slugs: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        noted = read_through(self.noted, slugs, self.lists.curated_by)
        return {slug: list((dict(noted[slug]) | self.curating.get(slug, {})).items()) for slug in slugs}

    def flush(self) -> None:
        """Write each changed list once (conditionally); then the notes of who lists whom."""
        changes = [(x.base, x.current.related) for x in self.listed.values() if x.current != x.base]
        try:
            changed = self.lists.replace_related_all(changes)
        except ConcurrentChange:  # another writer's transaction crossed ours: one at a time, then
            changed = [article for article, _ in changes]
        for article in changed:
            retry_on_conflict(partial(self._again, self.listed[article.slug]))
        self.lists.note_listed(list(self.notes.values()))

    def _again(self, listed: _Listed) -> None:
        """One list the batch changed, whose article another writer changed meanwhile: written again over a
        fresh read, with both writers' changes. An article the batch related keeps the list the batch gave it
        (unless the article itself changed: its newer version's record relates it), with the cards others
        offered it since; an older article keeps its list as it is now, with the cards the batch offered."""
        record = self.lists.article_record(listed.base.slug)
        if not isinstance(record, Article) or record.id != listed.base.id or not record.is_public:
            return
        if listed.base.slug in self.relating:
            if record.model_copy(update={"related": listed.base.related}) != listed.base:
                return
            related, offers = listed.current.related, _added(listed.base.related, record.related)
        else:
            related, offers = record.related, _added(listed.base.related, listed.current.related)
        for card in offers:
            related = offered(related, card) or related
        if related != record.related:
            self.lists.replace_related(record, related)


def _added(before: Sequence[RelatedCard], after: Sequence[RelatedCard]) -> list[RelatedCard]:
    return [card for card in after if card not in before]
