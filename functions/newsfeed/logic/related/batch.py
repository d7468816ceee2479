"""Relating many articles together (an import, a burst): the same `Relating`, over the index and the lists as
they stand for one batch, so that reads are shared and writes made once.

`relate_together(index, lists, articles)` relates the articles in order, exactly as one by one would, over
two views of the stores:

- `BatchIndex` (`batch_index`) reads each term's postings once for the whole batch (one Query per distinct
  term, deep enough for every article of the batch that looks the term up), the batch's own signatures in
  one BatchGetItem and other signatures when first asked for; it reserves the batch's sequence numbers in
  one update, and holds every posting and signature written until `flush`, which writes them with
  BatchWriteItem (25 a request) and adds the batch's counts to the corpus in one update.
- `BatchLists` (`batch_lists`) reads each article record once, keeps every list the batch
  changes in memory, and writes each changed list once when the batch is done.

Before relating, the batch reads ahead: each article's best first-pass candidates over the postings as the
batch starts are the archive articles it will most likely compare and offer itself to, and their signatures
and records are read in bulk (several requests in flight), where relating one by one would read them in
small pieces, article after article. Relating reads what this missed when it needs it.

Reads see the batch's own writes, so each article is compared with the ones related before it in the batch
as with the archive; tests/integration/test_related_batch.py proves the lists equal to one-by-one relating.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from newsfeed.logic.ports import RelatedIndex, RelatedLists
from newsfeed.logic.related.batch_index import BatchIndex
from newsfeed.logic.related.batch_lists import BatchLists
from newsfeed.logic.related.relator import Relating, leaving, needs_relating
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.errors import StaleChange


def leading_run(
    changes: Sequence[tuple[ArticleRecord | None, ArticleRecord | None] | None],
) -> tuple[int, list[Article]]:
    """How many of the first stream changes (None: not an article's) only relate articles, and the articles
    they relate: those `relate_together` can take. The run ends at an unpublish, and at an article that opts
    out of others' lists (taking it out of them is one by one)."""
    articles: list[Article] = []
    for taken, change in enumerate(changes):
        if change is None:
            continue
        old, new = change
        if leaving(old, new) is not None or (isinstance(new, Article) and not new.show_in_related):
            return taken, articles
        if isinstance(new, Article) and needs_relating(old, new):
            articles.append(new)
    return len(changes), articles


def runs(
    changes: Sequence[tuple[ArticleRecord | None, ArticleRecord | None] | None],
) -> list[tuple[int, int, list[Article]]]:
    """Each stretch of stream changes that `relate_together` can take, as (start, end, its articles), for
    stretches of at least two articles: a takedown in the middle of an import ends one run and the next begins
    after it (followed on its own in between), so the rest of the import is still related together."""
    found: list[tuple[int, int, list[Article]]] = []
    start = 0
    while start < len(changes):
        taken, articles = leading_run(changes[start:])
        if len(articles) >= 2:
            found.append((start, start + taken, articles))
        start += max(taken, 1)  # (taken 0: the change at `start` ends every run and is followed on its own)
    return found


def relate_together(index: RelatedIndex, lists: RelatedLists, articles: Sequence[Article]) -> int:
    """Relate `articles` in order as one batch; how many lists changed besides their own."""
    batch_index, batch_lists = BatchIndex(index, articles), BatchLists(lists)
    relator = Relating(batch_index, batch_lists)
    changed = 0
    batch_lists.relating_all(articles, batch_index.read_ahead(articles))
    for article in articles:
        with suppress(StaleChange):  # it changed since: its newer version's record follows
            changed += relator.relate(article)
    batch_lists.flush()
    batch_index.flush()  # last: its corpus counts say how far relating has got (`newsfeed status`)
    return changed
