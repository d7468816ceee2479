"""The related index as one batch of relating together sees it (`batch`): each term's postings read once
for the whole batch, signatures read in bulk, and everything written held until `flush`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsfeed.logic.ports import RelatedIndex
from newsfeed.logic.related.batch_lists import read_through
from newsfeed.logic.related.relator import article_terms
from newsfeed.logic.related.scoring import first_pass, top, weigh
from newsfeed.models import limits
from newsfeed.models.article import Article
from newsfeed.models.related_index import Corpus, Posting, PostingList, Signature


@dataclass
class _Term:
    """A term's postings as the batch knows them: newest first, the batch's own included."""

    postings: dict[int, Posting]  # seq -> posting
    whole: bool  # every posting the term has is here (the read returned fewer than it asked for)


class BatchIndex:
    """The related index for one batch (`RelatedIndex`): shared reads, writes held until `flush`."""

    def __init__(self, index: RelatedIndex, articles: Sequence[Article]) -> None:
        self.index = index
        uses: dict[str, int] = {}
        self.article_terms = {article.id: article_terms(article) for article in articles}
        for counts in self.article_terms.values():
            for term in counts:
                uses[term] = uses.get(term, 0) + 1
        self.terms: dict[str, _Term] = {}
        by_depth: dict[int, list[str]] = {}
        for term, count in uses.items():  # each use may trim POSTINGS_TRIM older postings away
            by_depth.setdefault(_depth(count), []).append(term)
        for depth, same_depth in by_depth.items():
            for term, found in index.postings(same_depth, depth, 0).items():
                self.terms[term] = _Term({p.seq: p for p in found.postings}, len(found.postings) < depth)
        self.known: dict[str, Signature | None] = dict.fromkeys(a.id for a in articles)
        self.known.update(index.signatures([a.id for a in articles]))
        reserved = index.add(0, 0.0, len(articles))
        self.counts = Corpus(reserved.articles, reserved.length, reserved.seq - len(articles))
        self.added = (0, 0.0)  # articles and length counted in by the batch
        self.puts: dict[tuple[str, int], Posting] = {}
        self.deletes: set[tuple[str, int]] = set()
        self.signatures_written: dict[str, Signature] = {}

    def read_ahead(self, articles: Sequence[Article]) -> list[str]:
        """Read in bulk the signatures of the archive's articles the batch will most likely compare (each
        article's best first-pass candidates over the postings as the batch starts); the slugs of those it
        will most likely offer itself to. Only reads: relating reads what this missed when it needs it."""
        batch = {article.id for article in articles}
        compared: dict[str, None] = {}
        offers: dict[str, None] = {}
        for article in articles:
            terms = self.article_terms[article.id]
            lists = self.postings(list(terms), limits.POSTINGS_READ, 0)
            first = first_pass(weigh(terms, lists, self.counts), lists, exclude=article.id)
            best = [i for i in top(first, limits.RELATED_CANDIDATES) if i not in batch]
            compared.update(dict.fromkeys(best))
            offers.update(dict.fromkeys(best[: limits.BACK_PROPAGATION]))
        found = self.signatures(list(compared))
        return [found[i].card.slug for i in offers if i in found]

    def corpus(self) -> Corpus:
        return self.counts

    def enter(self, length: float, *, new: bool) -> Corpus:
        c = self.counts = Corpus(self.counts.articles, self.counts.length, self.counts.seq + 1)
        return Corpus(c.articles + (1 if new else 0), c.length + round(length), c.seq)

    def count_in(self, length: float, *, new: bool) -> None:
        """Counted in for the articles the batch relates next, and into the corpus at `flush`, after the
        batch's signatures are written."""
        articles = 1 if new else 0
        self.added = (self.added[0] + articles, self.added[1] + round(length))
        c = self.counts
        self.counts = Corpus(c.articles + articles, c.length + round(length), c.seq)

    def signature(self, article_id: str) -> Signature | None:
        return self.signatures([article_id]).get(article_id)

    def signatures(self, article_ids: Sequence[str]) -> dict[str, Signature]:
        return read_through(self.known, article_ids, self.index.signatures)

    def postings(self, terms: Sequence[str], limit: int, beyond: int) -> dict[str, PostingList]:
        lists = {}
        for term in terms:
            known = self.terms.get(term) or self._read(term)
            newest = [known.postings[seq] for seq in sorted(known.postings, reverse=True)[: limit + beyond]]
            if len(newest) < limit + beyond and not known.whole:
                raise RuntimeError(f"the batch read too few postings of {term!r}")  # _depth is too small
            lists[term] = PostingList(
                tuple(newest[:limit]), complete=len(newest) < limit + beyond, beyond=tuple(newest[limit:])
            )
        return lists

    def _read(self, term: str) -> _Term:
        """A term no article of the batch was expected to look up (none is: `article_terms` says which)."""
        depth = _depth(1)
        found = self.index.postings([term], depth, 0)[term].postings
        known = _Term({p.seq: p for p in found}, len(found) < depth)
        for key in self.deletes:
            if key[0] == term:
                known.postings.pop(key[1], None)
        known.postings.update({key[1]: p for key, p in self.puts.items() if key[0] == term})
        self.terms[term] = known
        return known

    def store(
        self, signature: Signature, replaces: Signature | None, trim: Sequence[tuple[str, int]]
    ) -> None:
        gone = list(trim)
        if replaces is not None and replaces.seq != signature.seq:
            gone += [(term, replaces.seq) for term in replaces.terms]
        for key in gone:
            if self.puts.pop(key, None) is None:
                self.deletes.add(key)
            if key[0] in self.terms:
                self.terms[key[0]].postings.pop(key[1], None)
        for term, weight in signature.terms.items():
            posting = Posting(signature.id, signature.seq, weight)
            self.puts[(term, signature.seq)] = posting
            self.deletes.discard((term, signature.seq))
            self.terms.setdefault(term, _Term({}, whole=False)).postings[signature.seq] = posting
        self.signatures_written[signature.id] = signature
        self.known[signature.id] = signature

    def flush(self) -> None:
        """Write what the batch indexed, and count its articles into the corpus."""
        postings = [(term, posting) for (term, _), posting in self.puts.items()]
        self.index.write(postings, sorted(self.deletes), list(self.signatures_written.values()))
        if self.added != (0, 0.0):
            self.index.add(self.added[0], self.added[1], 0)


def _depth(uses: int) -> int:
    """Postings to read of a term `uses` articles of the batch look up: what each reads, and what each may
    trim away before the next reads it."""
    return limits.POSTINGS_READ + limits.POSTINGS_TRIM * (uses + 1)
