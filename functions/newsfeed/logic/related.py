"""Keeping related lists true: an article that stops being public leaves every list that showed it.

Each stored related list leaves a note per article it lists (`ContentTable.listed_by`); when an article is
unpublished, drafted again or scheduled anew, the publisher follows those notes and rewrites each list
without it, on the condition that the listing article has not changed meanwhile (else it reads again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved
from newsfeed.models.errors import ConcurrentChange

MAX_ATTEMPTS = 3


class RelatedLists(Protocol):
    def listed_by(self, article_id: str) -> list[tuple[str, str]]: ...

    def article_record(self, slug: str) -> ArticleRecord | None: ...

    def replace_related(self, article: Article, related: Sequence[ArticleCard]) -> None: ...

    def forget_listed_by(self, article_id: str, listing_id: str) -> None: ...


def withdrawn(old: ArticleRecord | None, new: ArticleRecord | None) -> str | None:
    """The id of the article a change takes out of public view (so out of related lists), if any.

    A slug change (the record at the old slug becomes Moved) keeps the article public: lists keep it, and
    its old URL redirects.
    """
    if not isinstance(old, Article) or not old.is_public or isinstance(new, Moved):
        return None
    if isinstance(new, Article) and new.is_public and new.id == old.id:
        return None
    return old.id


def withdraw(lists: RelatedLists, article_id: str) -> int:
    """Remove the article from every related list that shows it; how many lists changed."""
    changed = 0
    for listing_id, slug in lists.listed_by(article_id):
        for _ in range(MAX_ATTEMPTS):
            record = lists.article_record(slug)
            if not isinstance(record, Article) or record.id != listing_id:
                break  # that article moved or went: its record at the new slug wrote its own notes
            kept = [card for card in record.related if card.id != article_id]
            if len(kept) == len(record.related):
                break
            try:
                lists.replace_related(record, kept)
            except ConcurrentChange:
                continue
            changed += 1
            break
        else:
            raise ConcurrentChange
        lists.forget_listed_by(article_id, listing_id)
    return changed
