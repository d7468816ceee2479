"""The search index, in the content table (implements `logic.ports.SearchIndex` and `SearchReader`).

| item | pk | sk | holds |
|---|---|---|---|
| posting | `word#<term>` | `<sequence number, 12 digits>` | an article's entry, the term's count there |
| entry | `searched#<article id>` | `searched` | the same entry, its terms and its language |
| corpus | `search#corpus` | `corpus` | articles, length, sequence, `language_<code>` counts |

An entry is the article's id, slug, sequence number, length in terms, time, section and tags, packed into
one attribute `e` (`_packed`); a posting's `e` adds the count. None of these items is an
article record, so neither stream reader's filter passes them on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from newsfeed.dal import batch, clients
from newsfeed.dal.keys import (
    ENTRY_PREFIX,
    SEARCH_CORPUS_KEY,
    Item,
    search_entry_key,
    search_posting_key,
    word_pk,
)
from newsfeed.dal.paging import every_item
from newsfeed.models.search import Entry, Indexed, Occurrence, SearchCorpus, TermPostings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_LANGUAGE = "language_"
T = TypeVar("T")
logger = logging.getLogger(
    __name__
)  # under the functions' "newsfeed" logger (the data layer imports no Powertools)


def _packed(entry: Entry, *more: float) -> str:
    """An entry (and a posting's count) as one attribute: a Query of 1,000 postings parses 1,000 attributes,
    not 8,000 (botocore's parsing was most of a query's time outside DynamoDB). Ids are UUIDs and slugs
    [a-z0-9-], so "|" never occurs in a field."""
    fields = [entry.article_id, entry.slug, str(entry.seq), repr(entry.length), str(entry.published)]
    return "|".join([*fields, entry.section, " ".join(entry.tags), *map(repr, more)])


def _unpacked(text: str) -> tuple[Entry, list[str]]:
    """The entry, and what followed it (a posting's count). ValueError if it is not one `_packed` wrote."""
    article_id, slug, seq, length, published, section, tags, *more = text.split("|")
    entry = Entry(article_id, slug, int(seq), _finite(length), int(published), section, tuple(tags.split()))
    return entry, more


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text[:20]}")
    return number


def _readable(read: Callable[[Item], T], items: Iterable[Item]) -> Iterator[T]:
    """Each item as `read` reads it; a damaged one (by hand, or by a bug) is logged and passed over, so that
    it costs its own article its place in the index, never a search or the stream."""
    for item in items:
        try:
            yield read(item)
        except (KeyError, TypeError, ValueError):
            logger.warning("search index item unreadable", extra={"key": str(item.get("pk"))[:200]})


def posting_item(term: str, occurrence: Occurrence) -> Item:
    packed = _packed(occurrence.entry, occurrence.count)
    return {**search_posting_key(term, occurrence.entry.seq), "e": {"S": packed}}


def _occurrence(item: Item) -> Occurrence:
    entry, (count, *_) = _unpacked(item["e"]["S"])
    return Occurrence(entry, _finite(count))


def entry_item(indexed: Indexed) -> Item:
    return {
        **search_entry_key(indexed.entry.article_id),
        "e": {"S": _packed(indexed.entry)},
        "t": {"S": " ".join(indexed.terms)},  # terms have no spaces
        "l": {"S": indexed.language},
    }


def _indexed(item: Item) -> Indexed:
    return Indexed(_unpacked(item["e"]["S"])[0], tuple(item["t"]["S"].split()), item["l"]["S"])


def corpus_item(corpus: SearchCorpus) -> Item:
    return {
        **SEARCH_CORPUS_KEY,
        "articles": {"N": str(corpus.articles)},
        "length": {"N": repr(corpus.length)},
        "seq": {"N": str(corpus.seq)},
        **{f"{_LANGUAGE}{code}": {"N": str(n)} for code, n in corpus.languages.items()},
    }


def _corpus(item: Item | None) -> SearchCorpus:
    if not item:
        return SearchCorpus()
    languages = {
        name.removeprefix(_LANGUAGE): int(value["N"])
        for name, value in item.items()
        if name.startswith(_LANGUAGE) and int(value["N"]) > 0
    }
    number = {name: item[name]["N"] for name in ("articles", "length", "seq") if name in item}
    return SearchCorpus(
        int(number.get("articles", 0)), float(number.get("length", 0)), int(number.get("seq", 0)), languages
    )


class SearchIndexTable:
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client = client or clients.dynamodb()

    def corpus(self) -> SearchCorpus:
        return _corpus(self.client.get_item(TableName=self.table, Key=SEARCH_CORPUS_KEY).get("Item"))

    def postings(self, terms: Sequence[str], limit: int) -> dict[str, TermPostings]:
        return dict(zip(terms, batch.each(lambda term: self._postings(term, limit), terms), strict=True))

    def _postings(self, term: str, limit: int) -> TermPostings:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": word_pk(term)}},
            ScanIndexForward=False,
            Limit=limit + 1,  # one past the bound says whether there are more
        )
        items = response.get("Items", [])
        found = tuple(_readable(_occurrence, items[:limit]))
        return TermPostings(found, len(items) <= limit)

    def indexed(self, article_ids: Sequence[str]) -> dict[str, Indexed]:
        items = batch.get_all(self.client, self.table, map(search_entry_key, article_ids), consistent=True)
        return {one.entry.article_id: one for one in _readable(_indexed, items)}

    def indexed_ids(self) -> list[str]:
        """The id of every article the index holds. A Scan: for `newsfeed reindex` on an editor's credentials
        only (no function may Scan)."""
        scan: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :entry)",
            "ExpressionAttributeValues": {":entry": {"S": ENTRY_PREFIX}},
            "ProjectionExpression": "e",
        }
        read = lambda item: _unpacked(item["e"]["S"])[0].article_id  # noqa: E731
        return list(_readable(read, every_item(self.client, "scan", scan)))

    def reserve(self, count: int) -> int:
        response = self.client.update_item(
            TableName=self.table,
            Key=SEARCH_CORPUS_KEY,
            UpdateExpression="ADD seq :n",
            ExpressionAttributeValues={":n": {"N": str(count)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["seq"]["N"])

    def write(
        self,
        postings: Sequence[tuple[str, Occurrence]],
        deletes: Sequence[tuple[str, int]],
        indexed: Sequence[Indexed],
        unindexed: Sequence[str],
    ) -> None:
        """BatchWriteItem, 25 a request; a posting both written and deleted is written."""
        puts = [*(posting_item(*p) for p in postings), *map(entry_item, indexed)]
        gone = [*(search_posting_key(term, seq) for term, seq in deletes), *map(search_entry_key, unindexed)]
        batch.put_and_delete(self.client, self.table, puts, gone)

    def count(self, articles: int, length: float, languages: dict[str, int]) -> None:
        names = {f"#l{n}": f"{_LANGUAGE}{code}" for n, code in enumerate(sorted(languages))}
        values = {f":l{n}": {"N": str(languages[code])} for n, code in enumerate(sorted(languages))}
        adds = ["articles :a", "#length :n", *(f"{name} :{name[1:]}" for name in names)]
        self.client.update_item(
            TableName=self.table,
            Key=SEARCH_CORPUS_KEY,
            UpdateExpression="ADD " + ", ".join(adds),
            ExpressionAttributeNames={"#length": "length", **names},
            ExpressionAttributeValues={":a": {"N": str(articles)}, ":n": {"N": repr(length)}, **values},
        )
