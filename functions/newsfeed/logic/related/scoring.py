"""How related two articles are: the arithmetic, with no storage in it (`relator` does the rest).

An article is a vector of its terms (`terms`), each weighted by BM25's saturating term frequency times its
inverse document frequency, and scaled to length 1. Candidates come from an inverted index: for each of
the article's terms, the articles most recently indexed under it (a bounded read, whatever the archive's
size), each with its weight there; the dot products rank them. The best of those are then compared again
on *expanded* vectors: each article's vector plus the mean of the vectors of its nearest neighbours when it
was published, which brings in the words its story is usually told with (two reports of one event rarely
share all their words, but their neighbourhoods do). The neighbours are the candidates whose expanded
vectors are closest to the article's own words (`nearest`): an expanded vector holds the words a story is
told with, so this finds neighbours that tell the same story in other words, which the first pass's plain
dot product misses (`make eval-related` measures what it gives).

Document frequencies come from the posting lists themselves: a list shorter than the bound is complete, so
its length is the frequency; a full list tells, by the span of sequence numbers its newest entries cover,
how often the term has turned up lately, which is scaled up to the whole archive.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from newsfeed.models.related_index import Corpus, PostingList, Signature, Vector

BM25_K1 = 1.2
BM25_B = 0.75
EXPANSION_WEIGHT = 2.0  # the neighbours' mean vector counts this much against the article's own
SIGNATURE_TERMS = 100  # terms kept in an expanded vector
RECENCY_DAYS = 90.0  # articles this many days apart score exp(-1) of the way down to RECENCY_FLOOR
RECENCY_FLOOR = 0.5
SECTION_BONUS = 0.02
WEIGHT_DIGITS = 5
TAG_BONUS = 0.1  # times the share of tags in common (of the article with fewer tags)


def document_frequency(postings: PostingList, corpus: Corpus) -> float:
    """How many indexed articles have the term: counted if the list is complete, else estimated from the
    share of recent sequence numbers the newest postings take up."""
    found = postings.postings
    if postings.complete or not found:
        return float(len(found) + len(postings.beyond))
    span = max(1, corpus.seq - found[-1].seq + 1)
    return min(float(corpus.articles), len(found) * corpus.articles / span)


def weigh(counts: Mapping[str, float], lists: Mapping[str, PostingList], corpus: Corpus) -> Vector:
    """The article's vector over `counts` (BM25 term frequency times IDF), scaled to length 1."""
    length = sum(counts.values())
    average = corpus.average_length or length or 1.0
    norm = 1 - BM25_B + BM25_B * length / average
    vector = {}
    articles = max(corpus.articles, 1)  # (the counts are kept by concurrent publishers: never trust below 1)
    for term, count in counts.items():
        df = min(document_frequency(lists.get(term, PostingList()), corpus), float(articles))
        idf = math.log((articles + 1) / (df + 0.5))
        if idf > 0:
            vector[term] = count * (BM25_K1 + 1) / (count + BM25_K1 * norm) * idf
    return normalized(vector)


def normalized(vector: Mapping[str, float]) -> Vector:
    """Scaled to length 1, each weight to WEIGHT_DIGITS decimals (as stored)."""
    size = math.sqrt(sum(w * w for w in vector.values()))
    return {term: round(w / size, WEIGHT_DIGITS) for term, w in vector.items()} if size > 0 else {}


def first_pass(
    vector: Mapping[str, float], lists: Mapping[str, PostingList], exclude: str
) -> dict[str, float]:
    """article id -> dot product with `vector` over the postings read (each article's indexed terms)."""
    scores: dict[str, float] = {}
    for term, weight in vector.items():
        for posting in lists.get(term, PostingList()).postings:
            if posting.article_id != exclude:
                scores[posting.article_id] = scores.get(posting.article_id, 0.0) + weight * posting.weight
    return scores


def nearest(vector: Mapping[str, float], candidates: Mapping[str, Signature], count: int) -> list[str]:
    """The ids of the `count` candidates whose expanded vectors are closest to `vector` (none with nothing in
    common): the neighbours an article's own vector is expanded with."""
    scores = {i: cosine(vector, signature.expanded) for i, signature in candidates.items()}
    return [i for i in top(scores, count) if scores[i] > 0]


def expand(vector: Mapping[str, float], neighbours: Sequence[Mapping[str, float]], slots: int) -> Vector:
    """`vector` plus EXPANSION_WEIGHT times the neighbours' vectors summed over `slots` (the most neighbours
    there may be): its top terms, length 1. Dividing by the slots, not by how many were found, keeps an
    article with few neighbours (a young archive) close to its own words instead of taking on theirs."""
    summed = dict(vector)
    share = EXPANSION_WEIGHT / max(slots, len(neighbours), 1)
    for other in neighbours:
        for term, weight in other.items():
            summed[term] = summed.get(term, 0.0) + share * weight
    top = sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:SIGNATURE_TERMS]
    return normalized(dict(top))


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def recency(a: datetime, b: datetime) -> float:
    """1 for articles published together, falling towards RECENCY_FLOOR as they lie further apart."""
    days = abs((a - b).total_seconds()) / 86_400
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.exp(-days / RECENCY_DAYS)


def closeness(a: Signature, b: Signature) -> float:
    """The relatedness score: text (expanded vectors) times recency, plus shared section and tags."""
    x, y = a.card, b.card
    score = cosine(a.expanded, b.expanded) * recency(x.published_at, y.published_at)
    if x.section_slug == y.section_slug:
        score += SECTION_BONUS
    if x.tag_slugs and y.tag_slugs:
        shared = len(set(x.tag_slugs) & set(y.tag_slugs))
        score += TAG_BONUS * shared / min(len(x.tag_slugs), len(y.tag_slugs))
    return round(score, 4)


def top(scores: Mapping[str, float], count: int) -> list[str]:
    """The ids of the `count` highest scores (ties by id, so the order is stable)."""
    return [key for key, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:count]]


def index_terms(counts: Mapping[str, float], count: int) -> dict[str, float]:
    """The `count` most frequent terms (ties by term): what an article is indexed and looked up under."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:count])
