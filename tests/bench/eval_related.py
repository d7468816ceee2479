"""Related-article quality: precision at 5 on AG News and on long articles (`make eval-related`).

Short: each row of `../shared/corpora/ag_news_test.csv` (else the 400-row sample in tests/data) becomes an
article through the real upload path (Markdown file -> parse -> build), section "News" for all and no tags, so
the class label is never seen. The articles are published one after another, in file order, through the
publisher's own `Relator` (index lookups, expansion, back-propagation to older articles), over in-memory
stand-ins for its DynamoDB index and lists (tests/memory.py; tests/integration/test_related.py checks both
give the same lists).
Once all are in, each article's related list is as the API would show it; precision at 5 is the share of
the first five items with the article's class.

Long: the same items made into about 950 articles of about 300 words, each of eight items of one class
(`tests.support.corpus.long_rows`), related and measured the same way.

For reference, each run prints plain TF-IDF cosine over all the text at once (stop words out, stems, no
bounds: every article compared with every other), the baseline the corpus README quotes (about 0.79 on AG
News). Targets: at least TARGET on AG News, and at least plain TF-IDF on long articles.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from newsfeed.logic.html import to_plain_text
from newsfeed.logic.related.relator import Relator
from newsfeed.logic.related.terms import analyzer
from newsfeed.models.article import Article
from tests.support.corpus import as_article, corpus, long_rows, rows
from tests.support.memory import MemoryIndex, MemoryLists

TARGET = 0.81
AT = 5


def articles(labelled: list[tuple[str, str, str]], name: str) -> tuple[list[Article], list[str]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found, labels = [], []
    for n, (label, title, body) in enumerate(labelled):
        found.append(as_article(n, title, body, at=start + timedelta(seconds=n), name=name))
        labels.append(label)
    return found, labels


def precision(lists: list[list[str]], ids: dict[str, int], labels: list[str]) -> float:
    hits = sum(
        sum(labels[ids[other]] == labels[n] for other in related[:AT]) for n, related in enumerate(lists)
    )
    return hits / (AT * len(lists))


def plain_tfidf(items: list[Article]) -> list[list[str]]:
    """Every article's 5 nearest by TF-IDF cosine over the whole corpus at once (no index bounds)."""
    words = analyzer("en")
    docs = [Counter(words.terms(f"{a.title} {to_plain_text(a.body)}")) for a in items]
    df = Counter(term for doc in docs for term in doc)
    vectors = []
    for doc in docs:
        v = {t: (1 + math.log(c)) * math.log(len(docs) / df[t]) for t, c in doc.items()}
        size = math.sqrt(sum(w * w for w in v.values())) or 1.0
        vectors.append({t: w / size for t, w in v.items()})
    postings: dict[str, list[tuple[int, float]]] = {}
    for n, v in enumerate(vectors):
        for t, w in v.items():
            postings.setdefault(t, []).append((n, w))
    nearest = []
    for n, v in enumerate(vectors):
        scores: Counter[int] = Counter()
        for t, w in v.items():
            for m, w2 in postings[t]:
                if m != n:
                    scores[m] += w * w2  # type: ignore[assignment]
        nearest.append([items[m].id for m, _ in sorted(scores.items(), key=lambda s: (-s[1], s[0]))[:AT]])
    return nearest


def evaluate(items: list[Article], labels: list[str]) -> tuple[float, float, float, float]:
    """(ours, plain TF-IDF, ms per article, index/list calls per article), publishing `items` in order."""
    ids = {a.id: n for n, a in enumerate(items)}
    index, lists = MemoryIndex(), MemoryLists()
    start = time.perf_counter()
    for article in items:
        lists.put(article)
        Relator(index, lists).relate(article)
    took = time.perf_counter() - start
    final = [lists.records[a.slug] for a in items]
    ours = precision([[c.id for c in r.related] for r in final if isinstance(r, Article)], ids, labels)
    baseline = precision(plain_tfidf(items), ids, labels)
    return ours, baseline, took / len(items) * 1000, (index.calls + lists.calls) / len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows (and long articles)")
    args = parser.parse_args(argv)
    met = True
    for kind, labelled, name in (
        ("AG News, title + description", list(rows(args.limit)), "ag"),
        ("long articles, 8 AG News items each", long_rows(args.limit), "long"),
    ):
        items, labels = articles(labelled, name)
        words = sum(len(to_plain_text(a.body).split()) for a in items) / len(items)
        print(f"{kind}: {len(items)} articles from {corpus().name} (about {words:.0f} words), 4 classes")
        ours, baseline, ms, calls = evaluate(items, labels)
        target = TARGET if name == "ag" else baseline
        met = met and ours >= target
        print(f"  plain TF-IDF cosine, whole corpus at once:  P@{AT} = {baseline:.4f}")
        print(f"  newsfeed related lists (as published):      P@{AT} = {ours:.4f}   (target >= {target:.4f})")
        print(f"  ratio to plain TF-IDF {ours / baseline:.3f}; {ms:.1f} ms and {calls:.1f} calls per article")
    return 0 if met or args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
