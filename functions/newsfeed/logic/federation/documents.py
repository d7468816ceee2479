"""What the fediverse reads of us: WebFinger answers, NodeInfo, actor documents and articles as ActivityPub
objects (JSON-LD as Mastodon reads it: plain JSON with the contexts it expects).

An article is an `Article`: Mastodon shows one as its headline, its summary and a link to its page, with the
lead photo attached and its tags as hashtags (it does not show `content`; other servers do, so it is the
whole sanitised body, its links absolute).
"""

from __future__ import annotations

import html
from typing import Any

from newsfeed import __version__
from newsfeed.logic.html import absolutize_links
from newsfeed.logic.site.feeds import feed_image
from newsfeed.logic.site.paths import ICON, ICON_SIZES, scope_page_url
from newsfeed.models.article import Article, ArticleCard
from newsfeed.models.fediverse import (
    ACTIVITY_JSON,
    NODEINFO,
    NODEINFO_SCHEMA,
    Fediverse,
)
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.text import format_utc

TAG = ScopeKind.TAG

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "Hashtag": "as:Hashtag",
        "sensitive": "as:sensitive",
    },
]
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


def webfinger(fediverse: Fediverse, name: str) -> dict[str, Any]:
    """The JRD for one actor: its account, its actor (`self`) and its page (`profile-page`)."""
    return {
        "subject": fediverse.account(name),
        "aliases": [fediverse.actor_id(name)],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": fediverse.actor_id(name)},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": fediverse.site.url},
        ],
    }


def nodeinfo_links(fediverse: Fediverse) -> dict[str, Any]:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{fediverse.origin}{NODEINFO}"}]}


def nodeinfo(fediverse: Fediverse) -> dict[str, Any]:
    """NodeInfo 2.1: what software this is (one publication, no sign-ups)."""
    return {
        "version": "2.1",
        "software": {"name": "newsfeed", "version": __version__},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": 1}},
        "metadata": {"nodeName": fediverse.site.name, "nodeDescription": fediverse.site.description},
    }


def actor(fediverse: Fediverse, scope: Scope, public_key_pem: str) -> dict[str, Any]:
    """The site's actor (`scope` SITE) or a section's: names, page, icon (and header, if the site has a
    picture), key, and where to send things."""
    name = fediverse.name if scope.kind is ScopeKind.SITE else scope.slug
    site = fediverse.site
    title = site.name if scope == SITE else f"{scope.name or scope.slug} · {site.name}"
    page = scope_page_url(site, scope)
    return {
        "@context": CONTEXT,
        "id": fediverse.actor_id(name),
        "type": "Organization",
        "preferredUsername": name,
        "name": title,
        "summary": _paragraph(site.description),
        "url": page,
        "icon": {
            "type": "Image",
            "mediaType": "image/png",
            "url": site.public_url(ICON),
            "width": ICON_SIZES[ICON],
            "height": ICON_SIZES[ICON],
        },
        **({"image": {"type": "Image", "url": site.absolute(site.image_url)}} if site.image_url else {}),
        "inbox": fediverse.inbox(name),
        "outbox": fediverse.outbox(name),
        "followers": fediverse.followers(name),
        "endpoints": {"sharedInbox": fediverse.shared_inbox},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "indexable": True,
        "publicKey": {
            "id": fediverse.key_id(name),
            "owner": fediverse.actor_id(name),
            "publicKeyPem": public_key_pem,
        },
        "attachment": [
            {
                "type": "PropertyValue",
                "name": "Website",
                "value": f'<a href="{html.escape(page)}" rel="me">{html.escape(page)}</a>',
            }
        ],
    }


def article_object(fediverse: Fediverse, article: Article | ArticleCard) -> dict[str, Any]:
    """A published article as an ActivityPub `Article`, addressed to the public and the site's followers (from
    a card, as an outbox lists it: without `content`, which a server reads from the object's id)."""
    site = fediverse.site
    url = site.article_url(article.slug)
    tags = [
        {"type": "Hashtag", "name": f"#{_hashtag(tag)}", "href": scope_page_url(site, Scope(TAG, slug))}
        for tag, slug in zip(article.tags, article.tag_slugs, strict=False)
        if _hashtag(tag)
    ]
    image = feed_image(site, article)
    attachment = []
    if image is not None and article.image is not None:
        attachment.append(
            {
                "type": "Image",
                "mediaType": image.get("type", "image/jpeg"),
                "url": image["url"],
                "name": article.image.alt,
                **({"width": image["width"], "height": image["height"]} if image.get("width") else {}),
            }
        )
    return {
        "id": fediverse.object_id(article.id),
        "type": "Article",
        "attributedTo": fediverse.actor_id(fediverse.name),
        "name": article.title,
        "summary": _paragraph(article.summary),
        **_content(article, url),
        "url": url,
        "published": format_utc(article.published_at),
        "updated": format_utc(article.updated_at),
        "to": [PUBLIC],
        "cc": [fediverse.followers(fediverse.name)],
        "tag": tags,
        "attachment": attachment,
        "sensitive": False,
    }


def created(fediverse: Fediverse, card: ArticleCard) -> dict[str, Any]:
    """An outbox's item: the article's Create, as it was sent when it was published."""
    obj = article_object(fediverse, card)
    return {
        "id": fediverse.activity_id(card.id, "Create", 1),
        "type": "Create",
        "actor": fediverse.actor_id(fediverse.name),
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }


def _content(article: Article | ArticleCard, url: str) -> dict[str, Any]:
    if not isinstance(article, Article):
        return {}
    content = absolutize_links(article.body, url)
    return {"content": content, "contentMap": {article.language: content}}


def _hashtag(tag: str) -> str:
    """A tag as a hashtag: its letters, digits and underscores ('Climate change' -> 'Climatechange')."""
    return "".join(ch for ch in tag if ch.isalnum() or ch == "_")


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if text else ""
