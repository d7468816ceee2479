"""The content table, whole: the stores of its aggregates in one object, for callers that need several of them
(the ingest, the publisher, the scheduler, the editor's command). Each store implements the ports of its own
aggregate: `ArticleStore` (articles and uploads), `ListStore` (lists and schedule), `RelatedListStore`
(related lists and their notes); feed archives are `dal.archives`, the related index `dal.related_index`.
"""

from __future__ import annotations

from newsfeed.dal.articles import ArticleStore
from newsfeed.dal.lists import ListStore
from newsfeed.dal.related_lists import RelatedListStore

__all__ = ["ArticleStore", "ContentTable", "ListStore", "RelatedListStore"]


class ContentTable(RelatedListStore):
    """Every store of the content table (`RelatedListStore` builds on `ListStore`, which builds on
    `ArticleStore`)."""
