"""`newsfeed reindex`: the search index rebuilt from the table: every published article indexed again (its
postings rewritten at its sequence number, those of words it no longer has deleted), and whatever the index
holds of an article that is not published taken out. For a stack whose articles came before search, or an
index that a failure left behind. It reads the whole table (a Scan, on the editor's credentials), so it is
for the command, never a function; live publishes go on meanwhile and are indexed by the stream as ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from newsfeed.logic.search.indexing import apply

if TYPE_CHECKING:
    from newsfeed.dal.content import ContentTable
    from newsfeed.models.article import Article

BATCH = 500  # articles indexed together (as a stream batch of an import is)


def reindex(table: ContentTable, say: Callable[[str], None] = print) -> int:
    """Rebuild the search index; how many articles it holds after."""
    published: list[Article] = [a for a in table.articles.all_articles() if a.is_public]
    say(f"search index: {len(published)} published articles to index")
    for start in range(0, len(published), BATCH):
        chunk = published[start : start + BATCH]
        apply(table.search, {article.id: article for article in chunk})
        say(f"search index: {start + len(chunk)} of {len(published)} indexed")
    public = {article.id for article in published}
    stale = [article_id for article_id in table.search.indexed_ids() if article_id not in public]
    if stale:
        apply(table.search, dict.fromkeys(stale))
        say(f"search index: {len(stale)} no longer published, taken out")
    return len(published)
