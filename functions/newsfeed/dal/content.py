"""The content table, whole: its stores side by side, for callers that need several of them (the ingest,
the publisher, the scheduler, the editor's command). Each store holds one kind of item: `articles`
(articles, uploads and revisions, and the ingest's one transaction), `lists` (scopes' lists, the schedule,
the scopes with feeds), `related_lists` (related lists and their notes); feed archives are `dal.archives`,
the related index `dal.related_index`; `search` is the search index (`dal.search_index`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsfeed.dal.articles import ArticleStore
from newsfeed.dal.lists import ListStore
from newsfeed.dal.related_lists import RelatedListStore
from newsfeed.dal.search_index import SearchIndexTable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class ContentTable:
    """The content table's stores, sharing one client."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.articles = ArticleStore(table, client)
        self.client = self.articles.client
        self.lists = ListStore(self.articles)
        self.related_lists = RelatedListStore(self.articles, self.lists)
        self.search = SearchIndexTable(table, self.client)
