"""Ranking: which indexed articles have a query's words, best first, from their postings alone.

Each word scores BM25 (k1 1.2, b 0.75: Robertson's and Lucene's defaults) on the article's count of it (a
title word counting `words.TITLE_WEIGHT` times); a common word scores where it is, and excludes nothing.
The newest match gets up to RECENCY more, halving every HALF_LIFE_DAYS before it (news readers mostly look
for this week's story); ties go to the newest. (`make eval-search`, on two disjoint samples of 540 queries:
recency 0.1 against none moved body queries' MRR by +0.001, title ones by 0.000.)

A term's postings are read newest first, at most `limits.SEARCH_POSTINGS_READ`. A word whose postings were
all read must be in every result; one in more articles than that (a very common word) ranks what it was
read for but does not exclude an article it was not read for: whether such an article has it is checked on
the article itself (`logic.search.finder`). Its document frequency is then estimated from how densely its
newest postings sit among the articles indexed meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from newsfeed.logic.search.query import Query
from newsfeed.logic.search.words import QueryWord
from newsfeed.models.search import Entry, SearchCorpus, TermPostings

K1 = 1.2
B = 0.75
RECENCY = 0.1  # the newest match scores up to this share more
HALF_LIFE_DAYS = 30.0
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Filters:
    """What GET /search narrows to: a section, a tag, a span of publication times (epoch milliseconds)."""

    section: str | None = None
    tag: str | None = None
    since: int | None = None
    until: int | None = None

    def allow(self, entry: Entry) -> bool:
        return (
            (self.section is None or entry.section == self.section)
            and (self.tag is None or self.tag in entry.tags)
            and (self.since is None or entry.published >= self.since)
            and (self.until is None or entry.published <= self.until)
        )


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class _Word:
    counts: dict[str, tuple[Entry, float]]  # article id -> (its entry, the word's count there)
    complete: bool  # every posting of every form was read
    idf: float


def _frequency(postings: TermPostings, corpus: SearchCorpus) -> float:
    """How many articles have the term: counted if every posting was read, else estimated."""
    read = len(postings.postings)
    if postings.complete or not read:
        return float(read)
    oldest = min(p.entry.seq for p in postings.postings)
    return read * corpus.seq / max(1, corpus.seq - oldest + 1)


def _word(word: QueryWord, postings: Mapping[str, TermPostings], corpus: SearchCorpus) -> _Word:
    counts: dict[str, tuple[Entry, float]] = {}
    complete, frequency = True, 0.0
    for form in sorted(word.forms):
        found = postings.get(form, TermPostings())
        complete = complete and found.complete
        frequency += _frequency(found, corpus)
        for posting in found.postings:
            known = counts.get(posting.entry.article_id)
            if known is None or posting.count > known[1]:
                counts[posting.entry.article_id] = (posting.entry, posting.count)
    articles = max(corpus.articles, len(counts), 1)
    frequency = min(max(frequency, len(counts)), articles)
    idf = math.log(1 + (articles - frequency + 0.5) / (frequency + 0.5))
    return _Word(counts, complete, idf)


def ranked(
    query: Query, postings: Mapping[str, TermPostings], corpus: SearchCorpus, filters: Filters
) -> list[Match]:
    """The articles that may match, best first (each still to be checked on the article)."""
    if not query.required:
        return []
    words = [_word(word, postings, corpus) for word in query.required]
    optional = [_word(word, postings, corpus) for word in query.optional]
    excluded = {article_id for word in query.excluded for article_id in _word(word, postings, corpus).counts}
    complete = [word for word in words if word.complete]
    if complete:
        ids = set.intersection(*(set(word.counts) for word in complete))
    else:
        ids = set().union(*(word.counts for word in words))
    entries = {i: entry for word in words for i, (entry, _) in word.counts.items() if i in ids}
    entries = {i: e for i, e in entries.items() if i not in excluded and filters.allow(e)}
    if not entries:
        return []
    average = corpus.average_length or 1.0
    newest = max(entry.published for entry in entries.values())
    matches = []
    for article_id, entry in entries.items():
        score = 0.0
        for word in [*words, *optional]:
            if article_id in word.counts:
                count = word.counts[article_id][1]
                norm = K1 * (1 - B + B * entry.length / average)
                score += word.idf * count * (K1 + 1) / (count + norm)
        age = (newest - entry.published) / _DAY_MS
        matches.append(Match(entry, score * (1 + RECENCY * 0.5 ** (age / HALF_LIFE_DAYS))))
    return sorted(matches, key=lambda m: (-m.score, -m.entry.published, m.entry.article_id))
