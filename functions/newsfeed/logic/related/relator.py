"""Related lists: worked out when an article is published, kept true as the archive changes.

`Relator.relate` runs (in the related-lists function, the content stream's second consumer beside the
publisher, so feeds never wait for it) whenever an article becomes public or its text,
section, tags or editor's choices change:

1. its terms (`logic.related.terms`) are looked up in the inverted index: one bounded Query per term, at most
   INDEX_TERMS of them, each reading at most POSTINGS_READ postings;
2. the best RELATED_CANDIDATES are read back (one BatchGetItem of their signatures); the article's vector is
   expanded by its nearest neighbours among them, and they are compared again on expanded vectors
   (`logic.related.scoring`), with recency, section and tags;
3. its list is the editor's curated articles (the upload's `related`) followed by the best others, up to
   RELATED_STORED, with their scores, written onto the article (so the API answers in one read); a curated
   slug with no public article yet is noted, and the article joins that list once it is published;
4. it is indexed (its signature, and a posting per term); with `show_in_related: false` its signature says
   so, and it is found only to be offered newer articles, never listed automatically;
5. it is offered to the BACK_PROPAGATION older articles it is closest to (unless it opted out): each takes
   it into its own list if it ranks there.

Nothing in this reads more when the archive grows: every read is bounded by those constants.

Each stored related list leaves a note per article it lists (`ContentTable.listed_by`); when an article is
unpublished, drafted again or scheduled anew, the publisher follows those notes and rewrites each list
without it, on the condition that the listing article has not changed meanwhile (else it reads again), and
takes it out of the index. An article that opts out (`show_in_related: false`) leaves automatic lists the
same way, and stays in curated ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial

from newsfeed.logic.articles import article_scopes
from newsfeed.logic.html import to_plain_text
from newsfeed.logic.ports import RelatedIndex, RelatedLists, RelatingIndex, RelatingLists
from newsfeed.logic.related.scoring import (
    closeness,
    expand,
    first_pass,
    index_terms,
    nearest,
    top,
    weigh,
)
from newsfeed.logic.related.terms import term_counts
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved, RelatedCard
from newsfeed.models.errors import StaleChange, retry_on_conflict
from newsfeed.models.related_index import Signature
from newsfeed.models.scope import ScopeKind


def leaving(old: ArticleRecord | None, new: ArticleRecord | None) -> str | None:
    """The id of the article a change takes out of public view (so out of related lists), if any.

    A slug change (the record at the old slug becomes Moved) keeps the article public: lists keep it, and
    its old URL redirects.
    """
    if not isinstance(old, Article) or not old.is_public or isinstance(new, Moved):
        return None
    if isinstance(new, Article) and new.is_public and new.id == old.id:
        return None
    return old.id


def remove_from_lists(lists: RelatedLists, article_id: str, *, automatic_only: bool = False) -> int:
    """Remove the article from every related list that shows it (`automatic_only`: where it is not curated);
    how many lists changed."""
    changed = 0
    for listing_id, slug in lists.listed_by(article_id):
        kept, written = retry_on_conflict(
            partial(_remove_from, lists, article_id, listing_id, slug, automatic_only=automatic_only)
        )
        changed += written
        if not automatic_only or not any(c.id == article_id for c in kept):
            lists.forget_listed_by(article_id, listing_id)
    return changed


def _remove_from(
    lists: RelatedLists, article_id: str, listing_id: str, slug: str, *, automatic_only: bool
) -> tuple[list[RelatedCard], bool]:
    """One listing article's list without the article: (the list as it is left, whether it was written)."""
    record = lists.article_record(slug)
    if not isinstance(record, Article) or record.id != listing_id:
        return [], False  # that article moved or went: its record at the new slug wrote its own notes
    kept = [c for c in record.related if c.id != article_id or (automatic_only and c.curated)]
    if len(kept) == len(record.related):
        return kept, False
    lists.replace_related(record, kept)
    return kept, True


# What an article is related by or shown with in other articles' lists: its card (which those lists carry),
# its body, and the editor's choices for lists.
RELATING_FIELDS = (
    *(name for name in ArticleCard.model_fields if name != "id"),
    *("body", "related_slugs", "show_in_related"),
)


def needs_relating(old: ArticleRecord | None, new: ArticleRecord | None) -> bool:
    """True when `new` is public and its list, its place in the index or its card in others' lists may have
    changed: it just became public, or something it is compared by or shown with changed."""
    if not isinstance(new, Article) or not new.is_public:
        return False
    if not isinstance(old, Article) or not old.is_public or old.id != new.id:
        return True
    return any(getattr(old, name) != getattr(new, name) for name in RELATING_FIELDS)


def offered(related: Sequence[RelatedCard], card: RelatedCard) -> list[RelatedCard] | None:
    """`related` with `card` in its place by score, if it ranks among the RELATED_STORED; None if the list
    stays as it is (it does not rank, it is curated there, or it is there already with that score)."""
    curated = [c for c in related if c.curated]
    if any(c.id == card.id for c in curated):
        return None
    others = [c for c in related if not c.curated and c.id != card.id] + [card]
    ranked = curated + sorted(others, key=lambda c: (-c.score, c.id))[: limits.RELATED_STORED - len(curated)]
    return ranked if ranked != list(related) else None


def article_terms(article: Article) -> dict[str, float]:
    """What an article is indexed and looked up under: its INDEX_TERMS most frequent terms, with counts."""
    text = f"{article.subtitle} {to_plain_text(article.body)}"
    return index_terms(term_counts(article.title, text, article.language), limits.INDEX_TERMS)


@dataclass
class Relating:
    """Relating articles over any view of the index and the lists (the stored ones, or a batch's)."""

    index: RelatingIndex
    lists: RelatingLists

    def relate(self, article: Article) -> int:
        """Work out and store the article's related list, index the article, and offer it to the older
        articles closest to it. How many lists changed besides its own. StaleChange if the article changed
        meanwhile (its newer version is related in turn)."""
        return self._relate(article)[0]

    def _relate(self, article: Article) -> tuple[int, Signature | None]:
        """`relate`, and the article's signature as it was before."""
        old = self.index.signature(article.id)
        terms = article_terms(article)
        length = round(sum(terms.values()))  # counts are whole numbers
        lists = self.index.postings(list(terms), limits.POSTINGS_READ, limits.POSTINGS_TRIM)
        growth = length - (old.length if old else 0.0)
        corpus = self.index.enter(growth, new=old is None)
        vector = weigh(terms, lists, corpus)
        first = first_pass(vector, lists, exclude=article.id)
        curated = self._curated(article)
        curated_ids = [card.id for card in curated]
        tags = [scope for scope in article_scopes(article) if scope.kind is ScopeKind.TAG]
        tagged = [c.id for c in self.lists.newest_cards(tags, limits.TAG_CANDIDATES)] if tags else []
        found = self.index.signatures([*top(first, limits.RELATED_CANDIDATES), *tagged, *curated_ids])
        found.pop(article.id, None)
        near = nearest(vector, found, limits.EXPANSION_NEIGHBOURS)
        me = Signature(
            card=article.card(),
            seq=corpus.seq,
            length=length,
            terms=vector,
            expanded=expand(vector, [found[i].terms for i in near], limits.EXPANSION_NEIGHBOURS),
            listable=article.show_in_related,
        )
        scores = {i: closeness(me, signature) for i, signature in found.items()}
        curated = [c.model_copy(update={"score": scores.get(c.id, 0.0)}) for c in curated]
        scores = {i: score for i, score in scores.items() if score >= limits.MIN_RELATED_SCORE}
        listable = {i: s for i, s in scores.items() if found[i].listable and i not in curated_ids}
        automatic = [
            RelatedCard(**found[i].card.model_dump(), score=scores[i])
            for i in top(listable, limits.RELATED_STORED)
        ]
        related = (curated + automatic)[: limits.RELATED_STORED]
        article = self._set_list(article, related)
        self.index.store(me, old, [(term, p.seq) for term in terms for p in lists[term].beyond])
        self.index.count_in(growth, new=old is None)
        notes = [(card.id, article) for card in related]
        changed = 0
        if article.show_in_related:
            card = RelatedCard(**article.card().model_dump())
            changed = self._offer(
                card, {i: scores[i] for i in top(scores, limits.BACK_PROPAGATION)}, found, notes
            )
        self.lists.note_listed(notes)
        return changed + self._join_curated_lists(article), old

    def _set_list(self, article: Article, related: list[RelatedCard]) -> Article:
        """Store the article's own list, over a fresh read if only its list changed meanwhile (another
        article was offered to it). StaleChange if the article itself changed. The article as written."""
        first_read: list[ArticleRecord | None] = [article]

        def attempt() -> Article:
            current = first_read.pop() if first_read else self.lists.article_record(article.slug)
            if (
                not isinstance(current, Article)
                or current.model_copy(update={"related": article.related}) != article
            ):
                raise StaleChange  # its newer version's stream record follows, and is related in turn
            self.lists.replace_related(current, related)
            return current

        return retry_on_conflict(attempt)

    def _curated(self, article: Article) -> list[RelatedCard]:
        """The article's curated related articles that are public, in the editor's order. For those that are
        not (yet), a note: when one is published, this list takes it (`_join_curated_lists`)."""
        if not article.related_slugs:
            return []
        found = self.lists.articles_by_slug(article.related_slugs)
        cards: dict[str, RelatedCard] = {}
        for slug in article.related_slugs:
            other = found.get(slug)
            if other is not None and other.is_public and other.id != article.id:
                cards.setdefault(other.id, RelatedCard(**other.card().model_dump(), curated=True))
        missing = [slug for slug in article.related_slugs if slug not in found or not found[slug].is_public]
        if missing:
            self.lists.note_curated(missing, article)
        return list(cards.values())

    def _join_curated_lists(self, article: Article) -> int:
        """Put a newly public article into the lists of articles that curate it (published before it)."""
        changed = 0
        for listing_id, slug in self.lists.curated_by([article.slug])[article.slug]:
            changed += retry_on_conflict(partial(self._join_curated_list, article, listing_id, slug))
        return changed

    def _join_curated_list(self, article: Article, listing_id: str, slug: str) -> bool:
        """Whether the list of the article at `slug` (if still `listing_id`'s, and curating it) took it."""
        record = self.lists.article_record(slug)
        if not isinstance(record, Article) or record.id != listing_id or not record.is_public:
            return False
        if article.slug not in record.related_slugs or any(c.id == article.id for c in record.related):
            return False
        curated = self._curated(record)
        automatic = [c for c in record.related if not c.curated and c.id not in {k.id for k in curated}]
        self.lists.replace_related(record, (curated + automatic)[: limits.RELATED_STORED])
        self.lists.note_listed([(card.id, record) for card in curated])
        return True

    def _offer(
        self,
        card: RelatedCard,
        scores: dict[str, float],
        found: dict[str, Signature],
        notes: list[tuple[str, Article]],
    ) -> int:
        """Offer `card` to each article in `scores` at that score; how many lists took it (each noted)."""
        records = self.lists.article_records([found[i].card.slug for i in scores])
        changed = 0
        for article_id, score in scores.items():
            slug = found[article_id].card.slug
            offer = card.model_copy(update={"score": score})
            read = [records.get(slug)]  # the batch read first; after a conflict, read afresh
            changed += retry_on_conflict(partial(self._offer_to, offer, article_id, slug, read, notes))
        return changed

    def _offer_to(
        self,
        card: RelatedCard,
        article_id: str,
        slug: str,
        read: list[ArticleRecord | None],
        notes: list[tuple[str, Article]],
    ) -> bool:
        """Whether the list of the article at `slug` (if still `article_id`'s) took `card` (then noted)."""
        record = read.pop() if read else self.lists.article_record(slug)
        if not isinstance(record, Article) or record.id != article_id or not record.is_public:
            return False
        related = offered(record.related, card)
        if related is None:
            return False
        self.lists.replace_related(record, related)
        notes.append((card.id, record))
        return True


@dataclass
class Relator(Relating):
    """Relating over the stored index and lists, keeping every list true as articles change (the stream's
    related-lists function): an article that opts out or stops being public leaves the lists that show it."""

    index: RelatedIndex
    lists: RelatedLists

    def relate(self, article: Article) -> int:
        changed, old = self._relate(article)
        if not article.show_in_related and old is not None and old.listable:
            remove_from_lists(self.lists, article.id, automatic_only=True)
        return changed

    def follow(self, old: ArticleRecord | None, new: ArticleRecord | None) -> None:
        """Keep the lists true after one article record's change (as the stream reports it)."""
        article_id = leaving(old, new)
        if article_id is not None:
            remove_from_lists(self.lists, article_id)
            self.forget(article_id)
            if isinstance(old, Article):  # the notes of its own list go with it
                for card in old.related:
                    self.lists.forget_listed_by(card.id, article_id)
        elif isinstance(new, Article) and needs_relating(old, new):
            with suppress(StaleChange):  # it changed since: its newer version's record follows
                self.relate(new)

    def forget(self, article_id: str) -> None:
        """Take an article that is no longer public out of the index."""
        signature = self.index.signature(article_id)
        if signature is not None:
            self.index.drop(signature)
