"""What a request to an inbox means: someone follows one of our actors, stops following, or is gone. Anything
else (likes, replies, boosts) is answered 202 and dropped: a publication answers no one.

The activity's `actor` must be the owner of the key that signed the request: a server may speak only for its
own accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from newsfeed.models.fediverse import Fediverse

MAX_ACTIVITY_BYTES = 256 * 1024  # Mastodon's own limit on a JSON-LD document is 1 MB; a Follow is < 1 KB


class ActivityRefused(Exception):
    """Not an activity we can read (malformed, too large), or one the signer may not send."""


@dataclass(frozen=True)
class Follow:
    follower: str  # the follower's actor id
    name: str  # which of our actors
    activity: dict[str, Any]  # the Follow as received (its id, type, actor and object), for the Accept


@dataclass(frozen=True)
class Unfollow:
    follower: str
    name: str | None  # None: an Undo naming its Follow by id alone, so from every actor of ours


@dataclass(frozen=True)
class Gone:
    """An actor deleted itself: it follows nothing any more."""

    actor: str


Meaning = Follow | Unfollow | Gone | None


def read(body: bytes) -> dict[str, Any]:
    """The activity in a request's body; ActivityRefused unless it is a JSON object of a bounded size."""
    if len(body) > MAX_ACTIVITY_BYTES:
        raise ActivityRefused(f"an activity is at most {MAX_ACTIVITY_BYTES} bytes")
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):
        raise ActivityRefused("the body is not JSON") from None
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise ActivityRefused("the body is not an activity (a JSON object with a type)")
    return activity


def id_of(value: Any) -> str | None:
    """An object's id, whether it is given inline or by reference."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def meaning(activity: dict[str, Any], fediverse: Fediverse, signer: str) -> Meaning:
    """What `activity`, signed by the actor `signer`, asks of us; ActivityRefused if it speaks for another."""
    actor = id_of(activity.get("actor"))
    if actor is None or actor != signer:
        raise ActivityRefused("the activity's actor is not the one who signed it")
    kind, target = activity["type"], activity.get("object")
    if kind == "Follow":
        name = fediverse.name_of(id_of(target) or "")
        if name is None:
            return None
        received = {
            "id": id_of(activity.get("id")) or "",
            "type": "Follow",
            "actor": actor,
            "object": fediverse.actor_id(name),
        }
        return Follow(actor, name, received)
    if kind == "Undo":
        if isinstance(target, dict):
            if target.get("type") != "Follow" or id_of(target.get("actor")) not in (None, actor):
                return None
            name = fediverse.name_of(id_of(target.get("object")) or "")
            return Unfollow(actor, name) if name is not None else None
        return Unfollow(actor, None) if id_of(target) else None
    if kind == "Delete" and id_of(target) == actor:
        return Gone(actor)
    return None
