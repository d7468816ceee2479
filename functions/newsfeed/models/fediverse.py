"""Where the fediverse finds the publication: its actors' names, handles and URLs, each stated once.

The site's actor is named for the publication (`@kazpost@<site>`), each section's for its slug
(`@sport@<site>`). Everything is served under the site's own URL (the distribution hands these paths to the
API function), so a handle, its actor and the articles' objects all name one host. Object ids use an article's
immutable id, never its slug: a story that changes slug stays the same post on every server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsfeed.models import limits
from newsfeed.models.site import Site

ACTORS = "/ap/actors"
ARTICLES = "/ap/articles"
SHARED_INBOX = "/ap/inbox"
WEBFINGER = "/.well-known/webfinger"
NODEINFO_LINKS = "/.well-known/nodeinfo"
NODEINFO = "/nodeinfo/2.1"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
ACTOR_NAME = re.compile(limits.ACTOR_NAME_PATTERN)
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@dataclass(frozen=True)
class Fediverse:
    """The publication as the fediverse sees it: `name` is its own actor's (the handle's part before '@')."""

    site: Site
    name: str

    @property
    def host(self) -> str:
        """The handles' domain: the site's host (and port, on a laptop)."""
        return urlsplit(self.site.url).netloc

    @property
    def origin(self) -> str:
        parts = urlsplit(self.site.url)
        return f"{parts.scheme}://{parts.netloc}"

    def handle(self, name: str) -> str:
        return f"@{name}@{self.host}"

    def account(self, name: str) -> str:
        """WebFinger's resource for an actor."""
        return f"acct:{name}@{self.host}"

    def actor_id(self, name: str) -> str:
        return f"{self.site.url}{ACTORS}/{name}"

    def key_id(self, name: str) -> str:
        return f"{self.actor_id(name)}#main-key"

    def inbox(self, name: str) -> str:
        return f"{self.actor_id(name)}/inbox"

    def outbox(self, name: str) -> str:
        return f"{self.actor_id(name)}/outbox"

    def followers(self, name: str) -> str:
        return f"{self.actor_id(name)}/followers"

    @property
    def shared_inbox(self) -> str:
        return f"{self.site.url}{SHARED_INBOX}"

    def object_id(self, article_id: str) -> str:
        return f"{self.site.url}{ARTICLES}/{article_id}"

    def activity_id(self, article_id: str, kind: str, revision: int, name: str = "") -> str:
        """One activity's id: the same each time that change is sent again (servers drop repeats)."""
        by = f"-{name}" if name else ""
        return f"{self.object_id(article_id)}#{kind.lower()}{by}-{revision}"

    def name_of(self, actor_url: str) -> str | None:
        """Which of our actors a URL names (its id, or its key's), if any."""
        prefix = f"{self.site.url}{ACTORS}/"
        if not actor_url.startswith(prefix):
            return None
        name = actor_url.removeprefix(prefix).split("#", 1)[0]
        return name if ACTOR_NAME.match(name) else None

    def name_in(self, resource: str) -> str | None:
        """Which actor a WebFinger resource asks for: `acct:name@host` (a leading '@' allowed) or the actor's
        URL; None if it is not one of ours (another host, a malformed name)."""
        if resource.startswith(("http://", "https://")):
            return self.name_of(resource)
        account = resource.removeprefix("acct:").removeprefix("@")
        name, at, host = account.rpartition("@")
        if not at or host.lower() != self.host.lower() or not ACTOR_NAME.match(name.lower()):
            return None
        return name.lower()
