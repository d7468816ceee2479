"""The content table's whole key schema: one table, keys `pk`/`sk`, every item's key made here and only here.

| item | pk | sk | holds |
|---|---|---|---|
| article record | `article#<slug>` | `article` | an Article, or Unpublished (410) or Moved (301) |
| upload record | `upload#<key>` | `upload` | which article an upload key feeds; the newest change applied |
| photo | `photo#<key>` | `photo` | what the image function made of a photo upload: its renditions |
| photo's uploads | `photodigest#<digest>` | `<upload key>` | the uploads whose photo has this digest |
| photo shown | `photouse#<digest>` | `<article id>` | a public article showing the photo (the publisher's) |
| scope with feeds | `scopes` | `<kind>#<slug>` | a section or tag and its name (written by the publisher) |
| list entry | `list#site`, `list#<section|tag|author>#<slug>` | `<published_at>#<id>` | an ArticleCard |
| schedule entry | `list#schedule` | `<published_at>#<id>` | the card of a scheduled article, due then |
| revision | `revisions#<article id>` | `<revision, 6 digits>` | the article as it was at that revision |
| related edge | `relatedby#<article id>` | `<id of an article listing it>` | that article's slug |
| curated, waiting | `curatedby#<slug>` | `<id of an article curating it>` | that article's slug |
| archive counter | `archive#<list pk>` | `counter` | how many articles ever entered the scope's archive |
| archive member | `archive#<list pk>` | `member#<article id>` | the article's number in that archive |
| archive page | `archive#<list pk>#<page>` | `<number, 10 digits>` | an ArticleCard |
| posting | `term#<term>` | `<indexing order, 12 digits>` | an article that has the term, and its weight |
| signature | `signature#<article id>` | `signature` | an article's card and term vectors |
| corpus | `related#corpus` | `corpus` | articles indexed, their length; up to when the stream is followed |
| search posting | `word#<term>` | `<indexing order, 12 digits>` | an article with the term, the count |
| search entry | `searched#<article id>` | `searched` | what is indexed of the article: its entry, terms |
| search corpus | `search#corpus` | `corpus` | articles indexed, their length and languages, sequence |
| bulk backlog | `site#backlog` | `backlog` | what the bulk lane has still to write: pages, scopes, by slot |
| follower | `followers#<actor name>` | `<inbox> <follower's actor id>` | since when |
| followed | `following#<follower's actor id>` | `<actor name>` | the follower's inbox |
| follower server | `servers#<actor name>` | `<inbox>` | the actor's followers there (0: it had some) |
| remote key | `remotekey#<key id>` | `key` | a fediverse actor's public key, its owner, when it was fetched |
| seen signature | `seen#<hash of a signature>` | `seen` | a signed request accepted (`expires`: TTL) |

Lists are written in the same transaction as the article, so a Query on a list partition (newest first)
answers "the newest N articles of a scope" in one bounded read, whatever the size of the archive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsfeed.models.scope import Scope, ScopeKind
from newsfeed.models.text import format_utc

if TYPE_CHECKING:
    from newsfeed.models.article import Article, ArticleCard

Item = dict[str, Any]  # in DynamoDB's attribute-value form

ARTICLE_SK = "article"
UPLOAD_SK = "upload"
PHOTO_SK = "photo"
SCOPES_PK = "scopes"
CORPUS_KEY: Item = {"pk": {"S": "related#corpus"}, "sk": {"S": "corpus"}}
SEARCH_CORPUS_KEY: Item = {"pk": {"S": "search#corpus"}, "sk": {"S": "corpus"}}
BACKLOG_KEY: Item = {"pk": {"S": "site#backlog"}, "sk": {"S": "backlog"}}
_MEMBER = "member#"


KEY_ATTRIBUTES = frozenset({"pk", "sk"})


def key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def article_key(slug: str) -> Item:
    return key(f"article#{slug}", ARTICLE_SK)


def upload_key(upload: str) -> Item:
    return key(f"upload#{upload}", UPLOAD_SK)


def photo_key(upload: str) -> Item:
    return key(f"photo#{upload}", PHOTO_SK)


def photo_digest_pk(digest: str) -> str:
    return f"photodigest#{digest}"


def photo_use_pk(digest: str) -> str:
    return f"photouse#{digest}"


def scope_key(scope: Scope) -> Item:
    return key(SCOPES_PK, f"{scope.kind.value}#{scope.slug}")


def list_pk(scope: Scope) -> str:
    if scope.kind in (ScopeKind.SITE, ScopeKind.SCHEDULE):
        return f"list#{scope.kind.value}"
    return f"list#{scope.kind.value}#{scope.slug}"


def list_sk(card: ArticleCard | Article) -> str:
    return f"{format_utc(card.published_at)}#{card.id}"


def list_entry_key(scope: Scope, card: ArticleCard) -> Item:
    return key(list_pk(scope), list_sk(card))


def revision_pk(article_id: str) -> str:
    return f"revisions#{article_id}"


def revision_key(article: Article) -> Item:
    return key(revision_pk(article.id), f"{article.revision:06d}")


def related_by_pk(article_id: str) -> str:
    return f"relatedby#{article_id}"


def related_edge_key(article_id: str, listing_id: str) -> Item:
    """The note that the article `listing_id` lists the article `article_id`."""
    return key(related_by_pk(article_id), listing_id)


def curated_by_pk(slug: str) -> str:
    return f"curatedby#{slug}"


def curated_note_key(slug: str, listing_id: str) -> Item:
    """The note that the article `listing_id` curates the article at `slug`, not published yet."""
    return key(curated_by_pk(slug), listing_id)


def archive_pk(scope: Scope) -> str:
    return f"archive#{list_pk(scope)}"


def archive_counter_key(scope: Scope) -> Item:
    return key(archive_pk(scope), "counter")


def archive_member_key(scope: Scope, article_id: str) -> Item:
    return key(archive_pk(scope), f"{_MEMBER}{article_id}")


def archive_member_id(item: Item) -> str:
    return str(item["sk"]["S"]).removeprefix(_MEMBER)


def archive_page_pk(scope: Scope, page: int) -> str:
    return f"{archive_pk(scope)}#{page}"


def archive_entry_key(scope: Scope, seq: int, page_size: int) -> Item:
    return key(archive_page_pk(scope, seq // page_size), f"{seq:010d}")


def term_pk(term: str) -> str:
    return f"term#{term}"


def posting_key(term: str, seq: int) -> Item:
    return key(term_pk(term), f"{seq:012d}")


def signature_key(article_id: str) -> Item:
    return key(f"signature#{article_id}", "signature")


def word_pk(term: str) -> str:
    return f"word#{term}"


def search_posting_key(term: str, seq: int) -> Item:
    return key(word_pk(term), f"{seq:012d}")


ENTRY_PREFIX = "searched#"


def search_entry_key(article_id: str) -> Item:
    return key(f"{ENTRY_PREFIX}{article_id}", "searched")


def follower_key(name: str, inbox: str, follower: str) -> Item:
    return key(f"followers#{name}", f"{inbox} {follower}")


def following_key(follower: str, name: str) -> Item:
    return key(f"following#{follower}", name)


def following_pk(follower: str) -> str:
    return f"following#{follower}"


def servers_pk(name: str) -> str:
    return f"servers#{name}"


def server_key(name: str, inbox: str) -> Item:
    return key(servers_pk(name), inbox)


def remote_key_key(key_id: str) -> Item:
    return key(f"remotekey#{key_id}", "key")


def seen_signature_key(signature_hash: str) -> Item:
    return key(f"seen#{signature_hash}", "seen")
