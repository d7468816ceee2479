"""Which activities a change of an article sends, by whom, to whose followers.

The same changes that rewrite feeds (`logic.webhooks.event_of`): a publish is a `Create` by the site's actor
(to its followers) and an `Announce` by the section's (to its own: a server that follows only `@sport` then
shows the story as the section's boost); a correction is an `Update`; a takedown, or `federate: false` set
on a story already sent, is a `Delete` to the followers of both, and to servers whose followers have left
since (they may still show it). Drafts and scheduled articles are not public and send nothing. Activity ids
are derived from the article's id, revision and kind, so the same change sent twice is one a server drops.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from newsfeed.logic.federation.documents import AS_CONTEXT, CONTEXT, PUBLIC, article_object
from newsfeed.logic.webhooks import WebhookEvent, event_of
from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.fediverse import Fediverse


@dataclass(frozen=True)
class Outgoing:
    """One activity to send: signed by actor `name`, to the servers of the followers of `audiences`."""

    name: str
    activity: dict[str, Any]
    audiences: tuple[str, ...]
    to_former_servers: bool = False  # also servers with no followers left (a Delete reaches what was sent)
    summary: dict[str, str] = field(default_factory=dict, compare=False)  # for the log


def _federated(record: ArticleRecord | None) -> bool:
    return isinstance(record, Article) and record.is_public and record.federate


def outgoing(fediverse: Fediverse, old: ArticleRecord | None, new: ArticleRecord | None) -> list[Outgoing]:
    """What one article record's change sends, if anything."""
    event = event_of(old, new)
    if event is None:
        return []
    kind, article = event
    if isinstance(old, Article) and isinstance(new, Article) and old.revision == new.revision:
        return []  # its related list changed, or a repeat: nothing a follower sees
    if kind is WebhookEvent.UNPUBLISHED or not _federated(new):
        return [_delete(fediverse, article)] if _federated(old) else []
    if kind is WebhookEvent.UPDATED and (_federated(old) or old is None):
        return [_wrapped(fediverse, "Update", article)]
    return [_wrapped(fediverse, "Create", article), _announce(fediverse, article)]


def _wrapped(fediverse: Fediverse, kind: str, article: Article) -> Outgoing:
    obj = article_object(fediverse, article)
    activity = {
        "@context": CONTEXT,
        "id": fediverse.activity_id(article.id, kind, article.revision),
        "type": kind,
        "actor": fediverse.actor_id(fediverse.name),
        "published": obj["updated"] if kind == "Update" else obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }
    return Outgoing(fediverse.name, activity, (fediverse.name,), summary={"kind": kind, "slug": article.slug})


def _announce(fediverse: Fediverse, article: Article) -> Outgoing:
    section = article.section_slug
    activity = {
        "@context": AS_CONTEXT,
        "id": fediverse.activity_id(article.id, "Announce", article.revision, section),
        "type": "Announce",
        "actor": fediverse.actor_id(section),
        "published": article_object(fediverse, article)["published"],
        "to": [PUBLIC],
        "cc": [fediverse.followers(section), fediverse.actor_id(fediverse.name)],
        "object": fediverse.object_id(article.id),
    }
    return Outgoing(section, activity, (section,), summary={"kind": "Announce", "slug": article.slug})


def _delete(fediverse: Fediverse, article: Article) -> Outgoing:
    activity = {
        "@context": AS_CONTEXT,
        "id": fediverse.activity_id(article.id, "Delete", article.revision),
        "type": "Delete",
        "actor": fediverse.actor_id(fediverse.name),
        "to": [PUBLIC],
        "object": {"id": fediverse.object_id(article.id), "type": "Tombstone"},
    }
    audiences = tuple(dict.fromkeys((fediverse.name, article.section_slug)))
    return Outgoing(
        fediverse.name,
        activity,
        audiences,
        to_former_servers=True,
        summary={"kind": "Delete", "slug": article.slug},
    )


def accept(fediverse: Fediverse, name: str, follow: dict[str, Any]) -> dict[str, Any]:
    """Our answer to a Follow of actor `name` (followers are accepted at once: the publication is public)."""
    mark = hashlib.sha256(f"{follow['actor']} {follow.get('id', '')}".encode()).hexdigest()[:24]
    return {
        "@context": AS_CONTEXT,
        "id": f"{fediverse.actor_id(name)}#accept-{mark}",
        "type": "Accept",
        "actor": fediverse.actor_id(name),
        "object": follow,
    }
