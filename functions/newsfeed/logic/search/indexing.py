"""Keeping the search index true as the content stream reports changes, in the lanes of the rest: the
publisher indexes live changes as it writes their feeds (so a publish is findable, and a takedown gone, within
a second, whatever an import has queued), the related-lists function an import's, a stream batch together,
before it relates them. Both index each article as it is stored when they read it, so neither undoes a newer
change the other has indexed.

A batch of stream changes (one live publish or an import's thousands) is indexed together: what is indexed
of its articles is read in one BatchGetItem per 100, new articles take their sequence numbers in one update,
every posting is written and every stale one deleted with BatchWriteItem (25 a request), and the corpus's
counts move in one update. An article's postings are a posting per term (its entry, the term's count) under
`word#<term>`, newest first; a correction rewrites them at the same sequence number and deletes those of the
words it lost; a takedown, an unpublish or a return to draft deletes them all. Nothing here reads more as the
archive grows. Done again (the stream's retries), it writes the same items. The corpus's counts move last,
in one update: a batch that fails between its writes and that update leaves them short by its articles (they
weigh words, as BM25's article count and average length; nothing is found or lost by them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsfeed.logic.ports import SearchArticles, SearchIndex
from newsfeed.logic.related.relator import leaving
from newsfeed.logic.search.words import document_terms
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, Moved
from newsfeed.models.search import Entry, Indexed, Occurrence

# What an article is found by, shown with or filtered on: a change to any of these is indexed again.
SEARCHED_FIELDS = (
    "title",
    "subtitle",
    "body",
    "tags",
    "tag_slugs",
    "section_slug",
    "slug",
    "published_at",
    "language",
)

Change = tuple[ArticleRecord | None, ArticleRecord | None] | None


def primary_language(language: str) -> str:
    return language.split("-", maxsplit=1)[0].lower()


def needs_indexing(old: ArticleRecord | None, new: ArticleRecord | None) -> bool:
    if not isinstance(new, Article) or not new.is_public:
        return False
    if not isinstance(old, Article) or not old.is_public or old.id != new.id:
        return True
    return any(getattr(old, name) != getattr(new, name) for name in SEARCHED_FIELDS)


def touched(changes: Sequence[Change]) -> dict[str, str]:
    """article id -> the slug it is at, for each article whose place in the index the changes may move: it
    went public, left public view, or changed what it is found by."""
    found: dict[str, str] = {}
    for change in changes:
        if change is None:
            continue
        old, new = change
        if leaving(old, new) is not None and isinstance(old, Article):
            found[old.id] = old.slug
        elif isinstance(new, Article) and needs_indexing(old, new):
            found[new.id] = new.slug
    return found


def as_stored(articles: SearchArticles, slugs: Mapping[str, str]) -> dict[str, Article | None]:
    """What each article is to be indexed as: as it is stored now, if public at that slug; else nothing. An
    article that has moved on is left to the change at its new slug."""
    stored = articles.article_records(sorted(set(slugs.values())))
    todo: dict[str, Article | None] = {}
    for article_id, slug in slugs.items():
        record = stored.get(slug)
        if isinstance(record, Moved) and record.id == article_id:
            continue
        public = isinstance(record, Article) and record.id == article_id and record.is_public
        todo[article_id] = record if public and isinstance(record, Article) else None
    return todo


def _indexed(article: Article, seq: int) -> tuple[Indexed, dict[str, float]]:
    """What is indexed of the article, and its postings' counts: its MAX_INDEXED_WORDS most frequent terms
    (a real article has a few thousand different words; a body of made-up ones could have 30,000, and its
    publish write as many postings)."""
    counts = document_terms(article)
    if len(counts) > limits.MAX_INDEXED_WORDS:
        counts = dict(sorted(counts.items(), key=lambda t: (-t[1], t[0]))[: limits.MAX_INDEXED_WORDS])
    entry = Entry(
        article_id=article.id,
        slug=article.slug,
        seq=seq,
        length=sum(counts.values()),
        published=round(article.published_at.timestamp() * 1000),
        section=article.section_slug,
        tags=tuple(article.tag_slugs),
    )
    return Indexed(entry, tuple(counts), primary_language(article.language)), counts


def follow_changes(index: SearchIndex, articles: SearchArticles, changes: Sequence[Change]) -> int:
    """Index the articles these stream changes touch, as they are stored now (not as the changes had them:
    the publisher indexes live changes and the related-lists function an import's, so an import's record
    may be followed after a live correction of its article, and must not undo it); how many articles went
    in, changed or went out."""
    return apply(index, as_stored(articles, touched(changes)))


def apply(index: SearchIndex, todo: Mapping[str, Article | None]) -> int:
    """Make the index hold each article as given (None: not at all); how many there were."""
    if not todo:
        return 0
    before = index.indexed(list(todo))
    new = [i for i, article in todo.items() if article is not None and i not in before]
    last = index.reserve(len(new)) if new else 0
    seqs = {article_id: last - len(new) + 1 + n for n, article_id in enumerate(new)}
    postings: list[tuple[str, Occurrence]] = []
    deletes: list[tuple[str, int]] = []
    written: list[Indexed] = []
    articles, length, languages = 0, 0.0, dict[str, int]()
    for article_id, article in todo.items():
        old = before.get(article_id)
        if old is not None:
            deletes += [(term, old.entry.seq) for term in old.terms]
            articles, length = articles - 1, length - old.entry.length
            languages[old.language] = languages.get(old.language, 0) - 1
        if article is None:
            continue
        now, counts = _indexed(article, old.entry.seq if old is not None else seqs[article_id])
        postings += [(term, Occurrence(now.entry, count)) for term, count in counts.items()]
        written.append(now)
        articles, length = articles + 1, length + now.entry.length
        languages[now.language] = languages.get(now.language, 0) + 1
    gone = [i for i, article in todo.items() if article is None and i in before]
    index.write(postings, deletes, written, gone)
    index.count(articles, length, {code: n for code, n in languages.items() if n})
    return len(todo)
