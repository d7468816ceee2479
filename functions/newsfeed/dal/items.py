"""The content table's items: records, entries and notes to and from DynamoDB's attribute-value form
(their keys are `dal.keys`')."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from newsfeed.dal.keys import (
    ARTICLE_SK,
    Item,
    article_key,
    list_entry_key,
    related_edge_key,
    revision_key,
    upload_key,
)
from newsfeed.dal.stored import StoredValues, from_attributes, to_attributes
from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Moved, RelatedCard, Unpublished
from newsfeed.models.article_shape import MOVED, UNPUBLISHED
from newsfeed.models.scope import Scope, ScopeKind

if TYPE_CHECKING:
    from newsfeed.models.upload import UploadRecord


def _dump(model: Article | Unpublished | Moved | ArticleCard | UploadRecord) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


# An article item written by bulk work (an import) says so, for the stream's readers to put its page and
# feeds on the bulk lane (`is_bulk`); the next editor's change (written without it) is live again.
_LANE, _BULK = "lane", "bulk"


def record_item(record: ArticleRecord, *, bulk: bool = False) -> Item:
    lane = {_LANE: {"S": _BULK}} if bulk else {}
    if isinstance(record, Article):
        values = record.model_dump(mode="json", exclude_none=True, exclude={"related"})
        related = related_attribute(record.related)
        return {**article_key(record.slug), **to_attributes(values), **related, **lane}
    return {**article_key(record.slug), **to_attributes(_dump(record)), **lane}


def is_bulk(record: Mapping[str, Any]) -> bool:
    """Whether a stream record's change is bulk work: an import's, or one that changed nothing but the related
    list (a page to render again, no feed to touch), which any publish causes for many other articles."""
    change = record.get("dynamodb", {})
    return _by_import(change.get("NewImage")) or _list_only(change.get("OldImage"), change.get("NewImage"))


def is_imported(record: Mapping[str, Any]) -> bool:
    """Whether a stream record's change is an import's, not a related list landing on an imported article."""
    change = record.get("dynamodb", {})
    old, new = change.get("OldImage"), change.get("NewImage")
    return _by_import(new) and not _list_only(old, new)


def _by_import(image: Mapping[str, Any] | None) -> bool:
    return bool((image or {}).get(_LANE, {}).get("S") == _BULK)


def _list_only(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> bool:
    """Nothing but the related list changed (compared as stored: parsing every record of an import twice over
    held the publisher up)."""
    return old is not None and new is not None and _without_lane(old) == _without_lane(new)


_STAMP_DIGITS = 40  # a stream sequence number has at most 40 digits: padded so, they compare as strings


def change_stamp(record: Mapping[str, Any]) -> str:
    """The stamp of a stream record's change: later changes of an item have greater ones (`dal.archives`)."""
    return str(record.get("dynamodb", {}).get("SequenceNumber", "")).zfill(_STAMP_DIGITS)


def related_attribute(related: Sequence[RelatedCard]) -> Item:
    """An article's related list as one JSON string: cheap to read back whole, which is how it is read."""
    dumped = [card.model_dump(mode="json", exclude_none=True) for card in related]
    return {"related": {"S": json.dumps(dumped, ensure_ascii=False, separators=(",", ":"))}}


def record_from_item(item: Mapping[str, Any]) -> ArticleRecord:
    return record_from_values(from_attributes(item))


def record_from_values(stored: StoredValues) -> ArticleRecord:
    """The record a stored article's values are (`dal.stored.StoredArticles`)."""
    values = dict(stored)
    if isinstance(values.get("related"), str):
        values["related"] = json.loads(values["related"])
    status = values.get("status")
    if status == UNPUBLISHED:
        return Unpublished.model_validate(values)
    if status == MOVED:
        return Moved.model_validate(values)
    return Article.model_validate(values)


def revision_item(article: Article) -> Item:
    """The article as it is at its revision, without its related list (which is not the editor's)."""
    values = article.model_dump(mode="json", exclude_none=True, exclude={"related"})
    return {**revision_key(article), **to_attributes(values)}


def revision_from_item(item: Mapping[str, Any]) -> Article:
    return Article.model_validate(from_attributes(item))  # the keys are not fields: ignored


def related_edge_items(article: Article, listed: Iterable[str] | None = None) -> list[Item]:
    """For each article in `article`'s related list (or of the ids `listed`): a note that `article` lists
    it (found when it is unpublished)."""
    return [
        {
            **related_edge_key(article_id, article.id),
            "slug": {"S": article.slug},
        }
        for article_id in ([card.id for card in article.related] if listed is None else listed)
    ]


ArticleChange = tuple[ArticleRecord | None, ArticleRecord | None]  # (old, new) images of an article record


def article_images(record: Mapping[str, Any]) -> ArticleChange | None:
    """(old, new) of an article record from a stream record; None for other items, and for rewrites that
    change nothing but the related list (or nothing at all)."""
    change = record.get("dynamodb", {})
    old, new = change.get("OldImage"), change.get("NewImage")
    if not is_article_item(change.get("Keys", {})) or _without_lane(old) == _without_lane(new):
        return None
    return (record_from_item(old) if old else None), (record_from_item(new) if new else None)


def article_page_change(
    record: Mapping[str, Any], images: ArticleChange | None = None
) -> tuple[str, ArticleRecord | None] | None:
    """(slug, record now) for any change to an article record, its related list's included (the article's
    page shows it); None for other items. The record is None once the item is deleted. `images`: the
    record's `article_images`, if already parsed."""
    if images is not None and (present := images[1] or images[0]) is not None:
        return present.slug, images[1]
    change = record.get("dynamodb", {})
    old, new = change.get("OldImage"), change.get("NewImage")
    image = new or old
    if not is_article_item(change.get("Keys", {})) or image is None or old == new:
        return None
    return image["slug"]["S"], (record_from_item(new) if new else None)


def _without_lane(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The image without what is not the editor's: the related list, and which lane wrote it."""
    return {k: v for k, v in image.items() if k not in ("related", _LANE)} if image is not None else None


def is_article_item(keys: Mapping[str, Any]) -> bool:
    """True for the key of an article record (stream records of other items are not the publisher's)."""
    sk = keys.get("sk", {})
    return (sk.get("S") if isinstance(sk, dict) else sk) == ARTICLE_SK


def upload_item(record: UploadRecord) -> Item:
    values = _dump(record)
    values["change_order"] = values.pop("order")
    return {**upload_key(record.key), **to_attributes(values)}


def upload_from_item(item: Mapping[str, Any]) -> UploadRecord:
    from newsfeed.models.upload import UploadRecord  # the API function never reads upload records

    values = from_attributes(item)
    values["order"] = values.pop("change_order")
    return UploadRecord.model_validate(values)


def list_entry_item(scope: Scope, card: ArticleCard) -> Item:
    return {**list_entry_key(scope, card), **to_attributes(_dump(card))}


CARD_FIELDS = tuple(ArticleCard.model_fields)


def card_from_item(item: Mapping[str, Any]) -> ArticleCard:
    values = from_attributes(item)
    return ArticleCard.model_validate({name: values[name] for name in CARD_FIELDS if name in values})


def scope_from_item(item: Mapping[str, Any]) -> Scope:
    values = from_attributes(item)
    return Scope(ScopeKind(values["kind"]), values["slug"], values["name"])
