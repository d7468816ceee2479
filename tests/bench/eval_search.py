"""Search quality: known-item search on AG News, beside SQLite FTS5's bm25() (`make eval-search`).

Articles: each row of `../shared/corpora/ag_news_test.csv` (else the 400-row sample in tests/data) becomes an
article through the real upload path (`tests.support.corpus.as_article`), a minute apart; a repeated title
is left out, as the ingest refuses it. They are indexed by the real `logic.search.indexing`, in batches of
500 as the stream hands an import over, into the in-memory index (`tests.support.memory.MemorySearchIndex`:
the table's semantics, read bounds included), and searched by the real `logic.search.finder.search`.

Queries, for every EVERY-th article (540 of the 7,559):
- body: BODY_WORDS words of its description, picked at random (seeded) among those of at least 4 letters
  that are not English stop words, in the order they come;
- title, another form: TITLE_WORDS such words of its title, each in another form (`other_form`: singular
  for plural, plural for singular), as a reader half remembering a headline would type them.

The same queries go to an FTS5 table of the same articles (title and body columns, tokenizer
`porter unicode61 remove_diacritics 2`, its best for English), each word quoted, all of them required (FTS5's
implicit AND), ordered by bm25(). For each: MRR@10 (1/rank of the article among the first 10, else 0) and
recall@10. Target: newsfeed's MRR at least FTS5's on both kinds of query.

How this differs from real use: AG News items are a headline and two or three sentences (a real article
is ten times longer, so more articles share each word); the queries use words the article certainly has
(a reader misremembers some); the other forms are made by a rule, not by a reader. All of it is English.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from newsfeed.logic.related.terms import WORD, analyzer
from newsfeed.logic.search.finder import search
from newsfeed.logic.search.indexing import apply
from newsfeed.logic.search.ranking import Filters
from newsfeed.models.article import Article
from tests.support.corpus import as_article, corpus, rows
from tests.support.memory import MemoryArticles, MemorySearchIndex

EVERY = 14
BODY_WORDS = 3
TITLE_WORDS = 2
AT = 10
BATCH = 500
SEED = 20261204


def other_form(word: str) -> str:
    """Singular for a plural, plural for a singular (English spelling rules, roughly)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us")):  # (virus, Cyprus: not plurals)
        return word[:-1]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def content_words(text: str) -> list[str]:
    """The words a reader would search by: of 4 letters or more, not stop words, each once, in order."""
    stop = analyzer("en").stop_words
    words = [w.lower() for w in WORD.findall(text)]
    return list(dict.fromkeys(w for w in words if len(w) >= 4 and w not in stop and w.isalpha()))


def queries(articles: Sequence[Article], bodies: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """kind -> (query, the id of the article it should find)."""
    pick = random.Random(SEED)  # noqa: S311 -- a seeded sample of words, the same every run
    made: dict[str, list[tuple[str, str]]] = {"body": [], "title, another form": []}
    for article in articles[::EVERY]:
        body = content_words(bodies[article.id])
        if len(body) >= BODY_WORDS:
            chosen = sorted(pick.sample(range(len(body)), BODY_WORDS))
            made["body"].append((" ".join(body[i] for i in chosen), article.id))
        title = content_words(article.title)
        if len(title) >= TITLE_WORDS:
            chosen = sorted(pick.sample(range(len(title)), TITLE_WORDS))
            made["title, another form"].append((" ".join(other_form(title[i]) for i in chosen), article.id))
    return made


def fts5(articles: Sequence[Article], bodies: dict[str, str]) -> Callable[[str], list[str]]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE a USING fts5(id UNINDEXED, title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany("INSERT INTO a VALUES (?, ?, ?)", [(x.id, x.title, bodies[x.id]) for x in articles])

    def find(query: str) -> list[str]:
        match = " ".join(f'"{word}"' for word in query.split())
        found = db.execute(f"SELECT id FROM a WHERE a MATCH ? ORDER BY bm25(a) LIMIT {AT}", (match,))  # noqa: S608
        return [row[0] for row in found]

    return find


def ours(articles: Sequence[Article]) -> Callable[[str], list[str]]:
    index = MemorySearchIndex()
    for start in range(0, len(articles), BATCH):
        apply(index, {article.id: article for article in articles[start : start + BATCH]})
    records = MemoryArticles({a.slug: a for a in articles})

    def find(query: str) -> list[str]:
        found = search(index, records, query, Filters(), start=0, limit=AT, default_language="en")
        return [f.article.id for f in found.found]

    return find


def measure(find: Callable[[str], list[str]], asked: list[tuple[str, str]]) -> tuple[float, float, float]:
    """MRR@10, recall@10, milliseconds per query."""
    reciprocal, hits = 0.0, 0
    began = time.perf_counter()
    for query, wanted in asked:
        found = find(query)[:AT]
        if wanted in found:
            reciprocal += 1 / (found.index(wanted) + 1)
            hits += 1
    took = (time.perf_counter() - began) * 1000 / max(1, len(asked))
    return reciprocal / max(1, len(asked)), hits / max(1, len(asked)), took


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="rows of the corpus (default: all)")
    options = parser.parse_args(argv)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    articles: list[Article] = []
    bodies: dict[str, str] = {}
    slugs: set[str] = set()
    for n, (_, title, body) in enumerate(rows(options.limit)):
        article = as_article(n, title, body, at=start + timedelta(minutes=n))
        if article.slug not in slugs:  # a repeated title: the ingest refuses it
            slugs.add(article.slug)
            articles.append(article)
            bodies[article.id] = body
    asked = queries(articles, bodies)
    systems = {"newsfeed": ours(articles), "FTS5 bm25()": fts5(articles, bodies)}
    print(f"{len(articles)} articles from {corpus().name}; queries for every {EVERY}th")
    print(f"{'queries':<28} {'system':<12} {'MRR@10':>7} {'recall@10':>9} {'ms/query':>9}")
    met = True
    for kind, items in asked.items():
        scores = {name: measure(find, items) for name, find in systems.items()}
        for name, (mrr, recall, took) in scores.items():
            print(f"{kind + f' ({len(items)})':<28} {name:<12} {mrr:>7.3f} {recall:>9.3f} {took:>9.2f}")
        met = met and scores["newsfeed"][0] >= scores["FTS5 bm25()"][0]
    print(f"target (newsfeed's MRR at least FTS5's on each): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
