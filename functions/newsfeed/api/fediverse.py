"""The fediverse's side of the site, as an ASGI app of its own (the fediverse function's): WebFinger and
NodeInfo, the actors (the site's and each section's) with their outboxes and followers, each article as an
ActivityPub object, and the inboxes. The distribution hands the site's paths to it under `PREFIX`.

An inbox request is checked in this order, and anything that fails changes nothing: a `Signature` that covers
the request target, host, date and digest; a `Date` within the clock window and a `Digest` of this body; the
signer's key (fetched, and kept); the signature itself (with the key fetched again once, if it was rotated);
a signature never seen before (replays are refused); an activity whose actor is the signer. Only then is a
`Follow` stored (and answered `Accept` through the delivery queue), an `Undo` of one removed, or an actor that
deleted itself forgotten. Everything else is answered 202 and dropped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsfeed.api.http import NO_STORE, PROBLEMS, Problem, guarded, not_found, respond_bytes
from newsfeed.dal.federation import (
    DeliveryQueue,
    FollowerStore,
    KeyUnavailable,
    RemoteKey,
    RemoteKeys,
    SeenSignatures,
)
from newsfeed.logic.federation import documents, inbox, signatures
from newsfeed.logic.federation.activities import accept
from newsfeed.models.article import Article, ArticleCard
from newsfeed.models.fediverse import (
    ACTIVITY_JSON,
    ACTORS,
    ARTICLES,
    NODEINFO,
    NODEINFO_LINKS,
    SHARED_INBOX,
    WEBFINGER,
    Fediverse,
)
from newsfeed.models.scope import SITE, ListQuery, Scope, ScopeKind
from newsfeed.models.text import is_valid_slug

PREFIX = "/fediverse"  # where the API serves what the site's paths name (template.yaml: the fediverse origin)
JRD_JSON = "application/jrd+json"
NODEINFO_JSON = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
DOCUMENT_CACHE = "public, max-age=300"
OUTBOX_PAGE = 20
KEY_REFETCH_SECONDS = 300


class Listed(Protocol):
    def list_page(self, query: ListQuery) -> tuple[list[ArticleCard], str | None]: ...


class ArticleById(Protocol):
    def __call__(self, article_id: str) -> Article | None: ...


@dataclass
class FediverseSide:
    """What the app reads and writes."""

    fediverse: Fediverse
    lists: Listed
    article_by_id: ArticleById
    followers: FollowerStore
    keys: RemoteKeys
    seen: SeenSignatures
    private_key: Callable[[], str]
    deliveries: DeliveryQueue | None


def create_fediverse_app(side: Callable[[], FediverseSide]) -> Starlette:
    """The app; `side` makes what it reads and writes on the first request that needs it."""
    loaded: list[FediverseSide] = []

    def the() -> FediverseSide:
        if not loaded:
            loaded.append(side())
        return loaded[0]

    def route(path: str, endpoint: Callable[..., Response], methods: list[str]) -> Route:
        async def serve(request: Request) -> Response:
            arguments = (await _body(request),) if request.method == "POST" else ()
            return await run_in_threadpool(endpoint, the(), request, *arguments)  # a fetched key, a store

        return Route(PREFIX + path, guarded(serve), methods=methods)

    return Starlette(
        routes=[
            route(WEBFINGER, webfinger, ["GET"]),
            route(
                NODEINFO_LINKS, lambda side, r: _json(r, documents.nodeinfo_links(side.fediverse)), ["GET"]
            ),
            route(NODEINFO, nodeinfo, ["GET"]),
            route(f"{ACTORS}/{{name}}", actor, ["GET"]),
            route(f"{ACTORS}/{{name}}/outbox", outbox, ["GET"]),
            route(f"{ACTORS}/{{name}}/followers", followers, ["GET"]),
            route(f"{ACTORS}/{{name}}/inbox", receive, ["POST"]),
            route(SHARED_INBOX, receive, ["POST"]),
            route(f"{ARTICLES}/{{article_id}}", article, ["GET"]),
        ],
        exception_handlers=PROBLEMS,
    )


def _json(request: Request, document: dict[str, Any], media_type: str = ACTIVITY_JSON) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return respond_bytes(request, body, cache_control=DOCUMENT_CACHE, media_type=media_type)


def _scope(side: FediverseSide, name: str) -> Scope:
    """The scope an actor name stands for: the site, or a section with published articles; else 404."""
    if name == side.fediverse.name:
        return SITE
    cards = (
        side.lists.list_page(ListQuery(Scope(ScopeKind.SECTION, name), 1))[0] if is_valid_slug(name) else []
    )
    if not cards:
        raise not_found(f"There is no actor '{name}' here.")
    return Scope(ScopeKind.SECTION, name, cards[0].section)


def webfinger(side: FediverseSide, request: Request) -> Response:
    resource = request.query_params.get("resource", "")
    if not resource:
        raise Problem(400, "Bad Request", "'resource' is required (acct:name@host)", parameter="resource")
    name = side.fediverse.name_in(resource)
    if name is None:
        raise not_found(f"'{resource[:200]}' is not an account here.")
    _scope(side, name)
    return _json(request, documents.webfinger(side.fediverse, name), JRD_JSON)


def nodeinfo(side: FediverseSide, request: Request) -> Response:
    return _json(request, documents.nodeinfo(side.fediverse), NODEINFO_JSON)


def actor(side: FediverseSide, request: Request) -> Response:
    scope = _scope(side, request.path_params["name"])
    public = signatures.public_pem(side.private_key())
    return _json(request, documents.actor(side.fediverse, scope, public))


def outbox(side: FediverseSide, request: Request) -> Response:
    """The actor's publishes, newest first: the collection, or one page of it (`?page=<cursor>`; bounded)."""
    name = request.path_params["name"]
    scope = _scope(side, name)
    collection = side.fediverse.outbox(name)
    cursor = request.query_params.get("page")
    if cursor is None:
        return _json(
            request,
            {
                "@context": documents.AS_CONTEXT,
                "id": collection,
                "type": "OrderedCollection",
                "first": f"{collection}?page=first",
            },
        )
    after = None if cursor == "first" else cursor
    if after is not None and (len(after) > 100 or not after.isprintable()):
        raise Problem(400, "Bad Request", "'page' is not a page of this outbox", parameter="page")
    cards, last = side.lists.list_page(ListQuery(scope, OUTBOX_PAGE, after))
    page = {
        "@context": documents.CONTEXT,
        "id": f"{collection}?page={cursor}",
        "type": "OrderedCollectionPage",
        "partOf": collection,
        "orderedItems": [documents.created(side.fediverse, card) for card in cards],
        **({"next": f"{collection}?page={last}"} if last else {}),
    }
    return _json(request, page)


def followers(side: FediverseSide, request: Request) -> Response:
    """Who follows is theirs to tell: the collection is served without its members, as Mastodon may."""
    name = request.path_params["name"]
    _scope(side, name)
    return _json(
        request,
        {"@context": documents.AS_CONTEXT, "id": side.fediverse.followers(name), "type": "OrderedCollection"},
    )


def article(side: FediverseSide, request: Request) -> Response:
    found = side.article_by_id(request.path_params["article_id"][:100])
    if found is None or not found.is_public or not found.federate:
        raise not_found("There is no such article here.")
    return _json(request, {"@context": documents.CONTEXT, **documents.article_object(side.fediverse, found)})


async def _body(request: Request) -> bytes:
    """The request's body, read no further than an activity may be long (413 beyond)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > inbox.MAX_ACTIVITY_BYTES:
            raise Problem(
                413, "Content Too Large", f"An activity is at most {inbox.MAX_ACTIVITY_BYTES} bytes."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def receive(side: FediverseSide, request: Request, body: bytes) -> Response:
    path = urlsplit(str(request.url)).path.removeprefix(PREFIX)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = side.fediverse.host  # what the sender signed: the site's, not CloudFront's origin's
    target = urlsplit(side.fediverse.site.url).path + path
    try:
        params = signatures.parse(headers.get("signature", ""))
        signatures.check_fresh_and_covering(params, "POST", headers, body, datetime.now(UTC))
        activity = inbox.read(body)
        key = _verified_key(side, params, target, headers, activity)
        meaning = inbox.meaning(activity, side.fediverse, key.owner)
        if not side.seen.first_time(headers["signature"], 2 * signatures.CLOCK_WINDOW_SECONDS):
            raise signatures.SignatureRefused("this signature was already used (a replay)")
    except (signatures.SignatureRefused, KeyUnavailable) as refused:
        raise Problem(401, "Unauthorized", f"The request's signature is refused: {refused}") from None
    except inbox.ActivityRefused as refused:
        raise Problem(400, "Bad Request", str(refused)) from None
    _apply(side, meaning, key.inbox)
    return Response(status_code=202, headers={"Cache-Control": NO_STORE})


def _verified_key(
    side: FediverseSide,
    params: signatures.SignatureParams,
    target: str,
    headers: dict[str, str],
    activity: dict[str, Any],
) -> RemoteKey:
    """The signer's key, once the signature holds with it. A key kept for more than KEY_REFETCH_SECONDS is
    fetched again once if it does not verify (keys are rotated); a newer one is not, so that forged requests
    cannot make us fetch a key again and again."""
    gone = activity.get("type") == "Delete" and inbox.id_of(activity.get("object")) == inbox.id_of(
        activity.get("actor")
    )
    key = side.keys.cached(params.key_id) if gone else None  # a deleted actor's key can no longer be fetched
    key = key or side.keys.key(params.key_id)
    try:
        signatures.verify(params, key.pem, "POST", target, headers)
    except signatures.SignatureRefused:
        if gone or time.time() - key.fetched_at < KEY_REFETCH_SECONDS:
            raise
        key = side.keys.key(params.key_id, fresh=True)
        signatures.verify(params, key.pem, "POST", target, headers)
    return key


def _apply(side: FediverseSide, meaning: inbox.Meaning, follower_inbox: str) -> None:
    if isinstance(meaning, inbox.Follow):
        side.followers.add(meaning.name, meaning.follower, follower_inbox)
        if side.deliveries is not None:  # answered again to a repeated Follow: the first Accept may be lost
            answer = accept(side.fediverse, meaning.name, meaning.activity)
            side.deliveries.send(
                [
                    {
                        "deliver": {
                            "inbox": follower_inbox,
                            "signer": meaning.name,
                            "names": [],
                            "activity": answer,
                        }
                    }
                ]
            )
    elif isinstance(meaning, inbox.Unfollow):
        side.followers.remove(meaning.follower, meaning.name)
    elif isinstance(meaning, inbox.Gone):
        side.followers.remove(meaning.actor)
