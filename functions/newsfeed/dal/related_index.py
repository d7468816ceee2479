"""The related-articles index, in the content table (implements `logic.ports.RelatedIndex`).

| item | pk | sk | holds |
|---|---|---|---|
| corpus | `related#corpus` | `corpus` | articles indexed, their length, postings sequence, stream read to |
| signature | `signature#<article id>` | `signature` | the article's card, vector and expanded vector |
| posting | `term#<term>` | `<sequence number, 12 digits>` | article id `a`, the term's weight there `w` |

A term's postings are read newest first, at most POSTINGS_READ (+ POSTINGS_TRIM, which indexing deletes):
a lookup costs one Query per term, whatever the size of the archive. None of these items is an article
record, so the publisher's stream filter passes none of them on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import batch, clients
from newsfeed.dal.errors import is_condition_failed, unless_condition_fails
from newsfeed.dal.keys import CORPUS_KEY, Item, posting_key, signature_key, term_pk
from newsfeed.models.related_index import Corpus, Posting, PostingList, Signature

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _vector(text: str) -> dict[str, float]:
    return dict(json.loads(text))


def _pairs(vector: dict[str, float]) -> str:
    return json.dumps([[term, weight] for term, weight in vector.items()], ensure_ascii=False)


def signature_item(signature: Signature) -> Item:
    return {
        **signature_key(signature.id),
        "card": {"S": signature.card.model_dump_json(exclude_none=True)},
        "seq": {"N": str(signature.seq)},
        "length": {"N": repr(signature.length)},
        "terms": {"S": _pairs(signature.terms)},
        "expanded": {"S": _pairs(signature.expanded)},
        "listable": {"BOOL": signature.listable},
    }


def signature_from_item(item: Item) -> Signature:
    from newsfeed.models.article import ArticleCard

    return Signature(
        card=ArticleCard.model_validate_json(item["card"]["S"]),
        seq=int(item["seq"]["N"]),
        length=float(item["length"]["N"]),
        terms=_vector(item["terms"]["S"]),
        expanded=_vector(item["expanded"]["S"]),
        listable=item.get("listable", {}).get("BOOL", True),
    )


def _corpus(item: Item | None) -> Corpus:
    if not item:
        return Corpus()
    return Corpus(int(item["articles"]["N"]), float(item["length"]["N"]), int(item["seq"]["N"]))


class RelatedIndexTable:
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client = client or clients.dynamodb()

    def corpus(self) -> Corpus:
        return _corpus(self.client.get_item(TableName=self.table, Key=CORPUS_KEY).get("Item"))

    def enter(self, length: float, *, new: bool) -> Corpus:
        taken = self.add(0, 0.0, 1)
        return Corpus(taken.articles + (1 if new else 0), taken.length + round(length), taken.seq)

    def count_in(self, length: float, *, new: bool) -> None:
        if new or round(length):
            self.add(1 if new else 0, length, 0)

    def add(self, articles: int, length: float, seq: int) -> Corpus:
        """Add to the counts; a count out (`articles` < 0) only while one is in, so that they never go below
        zero (the item may have been cleared meanwhile)."""
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": CORPUS_KEY,
            "UpdateExpression": "ADD articles :a, #length :l, seq :s",
            "ExpressionAttributeNames": {"#length": "length"},
            "ExpressionAttributeValues": {
                ":a": {"N": str(articles)},
                ":l": {"N": str(round(length))},
                ":s": {"N": str(seq)},
            },
            "ReturnValues": "ALL_NEW",
        }
        if articles < 0:
            update["ConditionExpression"] = "articles >= :out AND #length >= :length"
            update["ExpressionAttributeValues"] |= {
                ":out": {"N": str(-articles)},
                ":length": {"N": str(round(-length))},
            }
        try:
            response = self.client.update_item(**update)
        except ClientError as error:
            if is_condition_failed(error):
                return self.corpus()
            raise
        return _corpus(response.get("Attributes"))

    def handled(self, until: float) -> None:
        """Note that the stream's changes up to `until` (their approximate creation time, epoch seconds) are
        followed, unless later ones already are."""
        with unless_condition_fails():
            self.client.update_item(
                TableName=self.table,
                Key=CORPUS_KEY,
                UpdateExpression="SET handled_until = :until",
                ConditionExpression="attribute_not_exists(handled_until) OR handled_until < :until",
                ExpressionAttributeValues={":until": {"N": repr(until)}},
            )

    def handled_until(self) -> float | None:
        """Up to when the stream's changes are followed (None: not said yet)."""
        item = self.client.get_item(TableName=self.table, Key=CORPUS_KEY, ConsistentRead=True).get("Item", {})
        return float(item["handled_until"]["N"]) if "handled_until" in item else None

    def signature(self, article_id: str) -> Signature | None:
        item = self.client.get_item(TableName=self.table, Key=signature_key(article_id)).get("Item")
        return signature_from_item(item) if item else None

    def signatures(self, article_ids: Sequence[str]) -> dict[str, Signature]:
        """One BatchGetItem per 100 ids (eventually consistent: a lag ranks a candidate less, no more)."""
        items = batch.get_all(self.client, self.table, map(signature_key, article_ids), consistent=False)
        return {s.id: s for s in map(signature_from_item, items)}

    def postings(self, terms: Sequence[str], limit: int, beyond: int) -> dict[str, PostingList]:
        """One Query per term, several at a time (`batch.each`)."""
        lists = batch.each(lambda term: self._postings(term, limit, beyond), terms)
        return dict(zip(terms, lists, strict=True))

    def _postings(self, term: str, limit: int, beyond: int) -> PostingList:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": term_pk(term)}},
            ScanIndexForward=False,
            Limit=limit + beyond,
        )
        items = [
            Posting(item["a"]["S"], int(item["sk"]["S"]), float(item["w"]["N"]))
            for item in response.get("Items", [])
        ]
        return PostingList(tuple(items[:limit]), len(items) < limit + beyond, tuple(items[limit:]))

    def store(
        self, signature: Signature, replaces: Signature | None, trim: Sequence[tuple[str, int]]
    ) -> None:
        """The signature and a posting per term; the postings of `replaces` and `trim` deleted."""
        deletes = list(trim)
        if replaces is not None and replaces.seq != signature.seq:
            deletes += [(term, replaces.seq) for term in replaces.terms]
        postings = [(t, Posting(signature.id, signature.seq, w)) for t, w in signature.terms.items()]
        self.write(postings, deletes, [signature])

    def write(
        self,
        postings: Sequence[tuple[str, Posting]],
        deletes: Sequence[tuple[str, int]],
        signatures: Sequence[Signature],
    ) -> None:
        """BatchWriteItem, 25 a request; a posting both written and deleted is written."""
        puts = [
            {**posting_key(term, p.seq), "a": {"S": p.article_id}, "w": {"N": repr(p.weight)}}
            for term, p in postings
        ]
        puts += [signature_item(signature) for signature in signatures]
        batch.put_and_delete(self.client, self.table, puts, (posting_key(t, seq) for t, seq in deletes))

    def drop(self, signature: Signature) -> None:
        requests = [{"DeleteRequest": {"Key": posting_key(term, signature.seq)}} for term in signature.terms]
        requests.append({"DeleteRequest": {"Key": signature_key(signature.id)}})
        batch.write_all(self.client, self.table, requests)
        self.add(-1, -signature.length, 0)
