"""The content table's item layout: one table, keys `pk`/`sk`.

| item | pk | sk | holds |
|---|---|---|---|
| article record | `article#<slug>` | `article` | an Article (published or draft), Gone (410) or Moved (301) |
| upload record | `upload#<key>` | `upload` | which article an upload key feeds; the newest change applied |
| scope with feeds | `scopes` | `<kind>#<slug>` | a section or tag and its name (written by the publisher) |
| list entry | `list#site`, `list#<section|tag|author>#<slug>` | `<published_at>#<id>` | an ArticleCard |
| schedule entry | `list#schedule` | `<published_at>#<id>` | the card of a scheduled article, due then |
| revision | `revisions#<article id>` | `<revision, 6 digits>` | the article as it was at that revision |
| related edge | `relatedby#<article id>` | `<id of an article listing it>` | that article's slug |
| curated, waiting | `curatedby#<slug>` | `<id of an article curating it>` | that article's slug |

Lists are written in the same transaction as the article, so a Query on a list partition (newest first)
answers "the newest N articles of a scope" in one bounded read, whatever the size of the archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from newsfeed.models.article import Article, ArticleCard, ArticleRecord, Gone, Moved, RelatedCard
from newsfeed.models.scope import Scope, ScopeKind
from newsfeed.models.text import format_utc

if TYPE_CHECKING:
    from newsfeed.models.upload import UploadRecord

ARTICLE_SK = "article"
UPLOAD_SK = "upload"
SCOPES_PK = "scopes"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]  # in DynamoDB's attribute-value form


def to_attributes(values: Mapping[str, Any]) -> Item:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def article_key(slug: str) -> Item:
    return {"pk": {"S": f"article#{slug}"}, "sk": {"S": ARTICLE_SK}}


def upload_key(key: str) -> Item:
    return {"pk": {"S": f"upload#{key}"}, "sk": {"S": UPLOAD_SK}}


def list_pk(scope: Scope) -> str:
    if scope.kind in (ScopeKind.SITE, ScopeKind.SCHEDULE):
        return f"list#{scope.kind.value}"
    return f"list#{scope.kind.value}#{scope.slug}"


def list_sk(card: ArticleCard | Article) -> str:
    return f"{format_utc(card.published_at)}#{card.id}"


def _dump(model: Article | Gone | Moved | ArticleCard | UploadRecord) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def record_item(record: ArticleRecord) -> Item:
    if isinstance(record, Article):
        values = record.model_dump(mode="json", exclude_none=True, exclude={"related"})
        return {**article_key(record.slug), **to_attributes(values), **related_attribute(record.related)}
    return {**article_key(record.slug), **to_attributes(_dump(record))}


def related_attribute(related: Sequence[RelatedCard]) -> Item:
    """An article's related list as one JSON string: cheap to read back whole, which is how it is read."""
    dumped = [card.model_dump(mode="json", exclude_none=True) for card in related]
    return {"related": {"S": json.dumps(dumped, ensure_ascii=False, separators=(",", ":"))}}


def record_from_item(item: Mapping[str, Any]) -> ArticleRecord:
    values = from_attributes(item)
    if isinstance(values.get("related"), str):
        values["related"] = json.loads(values["related"])
    status = values.get("status")
    if status == "unpublished":
        return Gone.model_validate(values)
    if status == "moved":
        return Moved.model_validate(values)
    return Article.model_validate(values)


def revision_pk(article_id: str) -> str:
    return f"revisions#{article_id}"


def revision_item(article: Article) -> Item:
    """The article as it is at its revision, without its related list (which is not the editor's)."""
    values = article.model_dump(mode="json", exclude_none=True, exclude={"related"})
    return {
        "pk": {"S": revision_pk(article.id)},
        "sk": {"S": f"{article.revision:06d}"},
        **to_attributes(values),
    }


def revision_from_item(item: Mapping[str, Any]) -> Article:
    return Article.model_validate(from_attributes(item))  # the keys are not fields: ignored


def related_by_pk(article_id: str) -> str:
    return f"relatedby#{article_id}"


def curated_by_pk(slug: str) -> str:
    return f"curatedby#{slug}"


def related_edge_items(article: Article, listed: Iterable[str] | None = None) -> list[Item]:
    """For each article in `article`'s related list (or of the ids `listed`): a note that `article` lists
    it (found at takedown)."""
    return [
        {
            "pk": {"S": related_by_pk(article_id)},
            "sk": {"S": article.id},
            "slug": {"S": article.slug},
        }
        for article_id in ([card.id for card in article.related] if listed is None else listed)
    ]


def article_images(record: Mapping[str, Any]) -> tuple[ArticleRecord | None, ArticleRecord | None] | None:
    """(old, new) of an article record from a stream record; None for other items, and for rewrites that
    change nothing but the related list (or nothing at all)."""
    change = record.get("dynamodb", {})
    old, new = change.get("OldImage"), change.get("NewImage")
    if not is_article_item(change.get("Keys", {})) or _without_related(old) == _without_related(new):
        return None
    return (record_from_item(old) if old else None), (record_from_item(new) if new else None)


def _without_related(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in image.items() if k != "related"} if image is not None else None


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


def list_entry_key(scope: Scope, card: ArticleCard) -> Item:
    return {"pk": {"S": list_pk(scope)}, "sk": {"S": list_sk(card)}}


def list_entry_item(scope: Scope, card: ArticleCard) -> Item:
    return {**list_entry_key(scope, card), **to_attributes(_dump(card))}


CARD_FIELDS = tuple(ArticleCard.model_fields)


def card_from_item(item: Mapping[str, Any]) -> ArticleCard:
    values = from_attributes(item)
    return ArticleCard.model_validate({name: values[name] for name in CARD_FIELDS if name in values})


def scope_key(scope: Scope) -> Item:
    return {"pk": {"S": SCOPES_PK}, "sk": {"S": f"{scope.kind.value}#{scope.slug}"}}


def scope_from_item(item: Mapping[str, Any]) -> Scope:
    values = from_attributes(item)
    return Scope(ScopeKind(values["kind"]), values["slug"], values["name"])
