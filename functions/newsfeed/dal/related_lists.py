"""Related lists as stored on the articles, and the notes that let an unpublish or a late publish find the
lists they change (no scan). Implements the RelatedLists port, with the article reads it needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import batch
from newsfeed.dal.articles import MAX_TRANSACTION_ITEMS, unchanged_condition
from newsfeed.dal.errors import error_code, is_condition_failed
from newsfeed.dal.items import (
    related_attribute,
    related_edge_items,
)
from newsfeed.dal.keys import (
    article_key,
    curated_by_pk,
    curated_note_key,
    related_by_pk,
    related_edge_key,
)
from newsfeed.dal.paging import every_item
from newsfeed.dal.stored import TableStore, to_attributes
from newsfeed.models import limits
from newsfeed.models.article import Article, RelatedCard
from newsfeed.models.errors import ConcurrentChange

if TYPE_CHECKING:
    from newsfeed.dal.articles import ArticleStore
    from newsfeed.dal.keys import Item
    from newsfeed.dal.lists import ListStore
    from newsfeed.models.article import ArticleCard, ArticleRecord
    from newsfeed.models.scope import Scope

LIST_UNCHANGED = "(related = :before OR NOT attribute_type(related, :s))"


class RelatedListStore(TableStore):
    """The related lists, and who lists (or curates) whom; with the article and list reads relating needs
    (the RelatedLists port), from the stores that hold them."""

    def __init__(self, articles: ArticleStore, lists: ListStore) -> None:
        super().__init__(articles.table, articles.client)
        self.articles, self.lists = articles, lists

    def article_record(self, slug: str) -> ArticleRecord | None:
        return self.articles.article_record(slug)

    def article_records(self, slugs: Sequence[str]) -> dict[str, ArticleRecord]:
        return self.articles.article_records(slugs)

    def articles_by_slug(self, slugs: Sequence[str]) -> dict[str, Article]:
        return self.articles.articles_by_slug(slugs)

    def newest_cards(self, scopes: Sequence[Scope], limit: int) -> list[ArticleCard]:
        return self.lists.newest_cards(scopes, limit)

    def listed_by(self, article_id: str) -> list[tuple[str, str]]:
        """(id, slug) of the articles whose related lists include this one (as last written)."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": related_by_pk(article_id)}},
            "ConsistentRead": True,
        }
        return [(item["sk"]["S"], item["slug"]["S"]) for item in every_item(self.client, "query", query)]

    def replace_related(self, article: Article, related: Sequence[RelatedCard]) -> None:
        """Set the article's related list, while the article and its list are still `article`'s (else
        ConcurrentChange: two publishers offering articles to one list at once both land, one after a
        re-read). A list stored in the older form (not one string) is replaced whatever it holds."""
        try:
            self.client.update_item(**_list_update(self.table, article, related))
        except ClientError as error:
            if is_condition_failed(error):
                raise ConcurrentChange from None
            raise

    def replace_related_all(self, changes: Sequence[tuple[Article, Sequence[RelatedCard]]]) -> list[Article]:
        """Each list as `replace_related` sets it, up to MAX_TRANSACTION_ITEMS in one TransactWriteItems
        (several at once); the articles that had changed (their lists are not written; the others are, in a
        second transaction if the first was cancelled for them)."""
        chunks = [
            list(changes[start : start + MAX_TRANSACTION_ITEMS])
            for start in range(0, len(changes), MAX_TRANSACTION_ITEMS)
        ]
        return [article for changed in batch.each(self._replace_together, chunks) for article in changed]

    def _replace_together(self, todo: list[tuple[Article, Sequence[RelatedCard]]]) -> list[Article]:
        changed: list[Article] = []
        while todo:
            ops: list[Item] = [{"Update": _list_update(self.table, a, r)} for a, r in todo]
            try:
                self.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
                return changed
            except ClientError as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                failed = {n for n, code in enumerate(reasons) if code == "ConditionalCheckFailed"}
                if not failed:
                    raise ConcurrentChange from None  # a conflict with another transaction
                changed += [todo[n][0] for n in sorted(failed)]
                todo = [change for n, change in enumerate(todo) if n not in failed]
        return changed

    def note_listed(self, notes: Sequence[tuple[str, Article]]) -> None:
        edges = {}
        for article_id, listing in notes:
            edge = related_edge_items(listing, [article_id])[0]
            edges[(article_id, listing.id)] = {"PutRequest": {"Item": edge}}
        batch.write_all(self.client, self.table, list(edges.values()))

    def note_curated(self, slugs: Sequence[str], listing: Article) -> None:
        edges = [
            {"PutRequest": {"Item": {**curated_note_key(slug, listing.id), "slug": {"S": listing.slug}}}}
            for slug in dict.fromkeys(slugs)
        ]
        batch.write_all(self.client, self.table, edges)

    def curated_by(self, slugs: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        def notes(slug: str) -> list[tuple[str, str]]:
            response = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": curated_by_pk(slug)}},
                Limit=limits.MAX_CURATED_BY,
            )
            return [(item["sk"]["S"], item["slug"]["S"]) for item in response.get("Items", [])]

        return dict(zip(slugs, batch.each(notes, slugs), strict=True))

    def forget_listed_by(self, article_id: str, listing_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key=related_edge_key(article_id, listing_id))


def _list_update(table: str, article: Article, related: Sequence[RelatedCard]) -> dict[str, Any]:
    """The UpdateItem that sets the article's related list while it and its list are still `article`'s."""
    expression, values = unchanged_condition(article)
    return {
        "TableName": table,
        "Key": article_key(article.slug),
        "UpdateExpression": "SET related = :related",
        "ConditionExpression": f"{expression} AND {LIST_UNCHANGED}",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            **to_attributes(values),
            ":related": related_attribute(related)["related"],
            ":before": related_attribute(article.related)["related"],
            ":s": {"S": "S"},
        },
    }
