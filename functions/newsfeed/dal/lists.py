"""The lists of the content table: a scope's newest articles (one bounded Query a page), the schedule, and the
registry of scopes with feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newsfeed.dal.items import (
    card_from_item,
    scope_from_item,
)
from newsfeed.dal.keys import (
    SCOPES_PK,
    list_pk,
)
from newsfeed.dal.paging import count, page
from newsfeed.dal.stored import TableStore
from newsfeed.models.article import Article, ArticleCard, ArticleRecord
from newsfeed.models.scope import SCHEDULE, ListQuery, Scope, ScopeKind
from newsfeed.models.text import format_utc

if TYPE_CHECKING:
    from newsfeed.dal.articles import ArticleStore


class ListStore(TableStore):
    """Lists of article cards, and the articles they stand for (read from `articles`)."""

    def __init__(self, articles: ArticleStore) -> None:
        super().__init__(articles.table, articles.client)
        self.articles = articles

    def list_page(self, query: ListQuery) -> tuple[list[ArticleCard], str | None]:
        """Newest first: up to `query.limit` cards, and the sort key to continue from. One Query, bounded by
        the limit: the time bounds are its key condition, the other filters its filter expression (so a
        filtered page may hold fewer items; the sort key returned still continues it)."""
        pk = list_pk(query.scope)
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if query.since or query.until:
            condition += " AND sk BETWEEN :since AND :until"
            values[":since"] = {"S": query.since or "0"}
            values[":until"] = {"S": f"{query.until}#~" if query.until else "~"}
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "Limit": query.limit,
            "ConsistentRead": query.consistent,
        }
        filters = []
        for name, attribute, value in (
            ("section", "section_slug = :section", query.section),
            ("tag", "contains(tag_slugs, :tag)", query.tag),
            ("author", "contains(author_slugs, :author)", query.author),
        ):
            if value:
                values[f":{name}"] = {"S": value}
                filters.append(attribute)
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        request["ExpressionAttributeValues"] = values
        items, last = page(self.client, request, pk, query.after)
        return [card_from_item(item) for item in items], last

    def count(self, scope: Scope) -> int:
        """How many articles a scope's list holds (a Query that counts, page by page: for tools, not for a
        publish path)."""
        query = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": list_pk(scope)}},
        }
        return count(self.client, query)

    def scopes(
        self, limit: int, after: str | None = None, kind: ScopeKind | None = None
    ) -> tuple[list[Scope], str | None]:
        """Sections and tags that have feeds (of one kind, or both), by kind then slug: one bounded Query."""
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": SCOPES_PK}}
        if kind is not None:
            condition += " AND begins_with(sk, :kind)"
            values[":kind"] = {"S": f"{kind.value}#"}
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        items, last = page(self.client, query, SCOPES_PK, after)
        return [scope_from_item(item) for item in items], last

    def due_cards(self, until: datetime, limit: int) -> list[ArticleCard]:
        """Scheduled articles due at or before `until`, oldest first: one bounded Query."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk <= :until",
            ExpressionAttributeValues={
                ":pk": {"S": list_pk(SCHEDULE)},
                ":until": {"S": f"{format_utc(until)}#~"},
            },
            ConsistentRead=True,
            Limit=limit,
        )
        return [card_from_item(item) for item in response.get("Items", [])]

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        cards: list[ArticleCard] = []
        for scope in scopes:
            cards += self.list_page(ListQuery(scope, limit))[0]
        return cards

    def newest_articles(self, scope: Scope, limit: int) -> list[Article]:
        """The newest `limit` published articles of a scope, full bodies included: one Query, one BatchGet."""
        cards, _ = self.list_page(ListQuery(scope, limit, consistent=True))
        return self.articles_of(cards)

    def records_at(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        """slug -> what is stored there now (strongly consistent), for those of `slugs` that have a record."""
        return self.articles.article_records(slugs)

    def articles_of(self, cards: Sequence[ArticleCard]) -> list[Article]:
        """The published articles the cards stand for, in the cards' order (one BatchGetItem per 100)."""
        by_slug = self.articles.articles_by_slug([card.slug for card in cards])
        articles = [by_slug.get(card.slug) for card in cards]
        return [
            a
            for a, card in zip(articles, cards, strict=True)
            if a is not None and a.is_public and a.id == card.id
        ]

    def recent_cards(self, scope: Scope, since: str, limit: int) -> list[ArticleCard]:
        """Cards of a scope published at or after sort key `since`, newest first, at most `limit`."""
        cards: list[ArticleCard] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":pk": {"S": list_pk(scope)}, ":since": {"S": since}},
            "ScanIndexForward": False,
        }
        while len(cards) < limit:
            response = self.client.query(**query, Limit=limit - len(cards))
            cards += [card_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return cards
