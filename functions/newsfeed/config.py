"""Site settings, read from the environment once per cold start and validated there: the one reader of the
functions' environment.

`template.yaml` passes these to every function (its Parameters are the publication's settings); the local
stack passes the same names. A wrong value stops the function at cold start with a message naming the
variable, rather than producing broken feeds later.

Plain Python (a dataclass, each field's check in its metadata): every function reads its settings before its
first answer, and the API's article answer imports no pydantic (tests/integration/test_api_cold_start.py).
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from newsfeed.models import limits
from newsfeed.models.site import Site

_LANGUAGE = re.compile(limits.LANGUAGE_PATTERN)
_ACTOR_NAME = re.compile(limits.ACTOR_NAME_PATTERN)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class SettingsError(RuntimeError):
    """The environment does not describe a usable site; the message names each bad variable."""


def _length(least: int, most: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not least <= len(value) <= most:
            raise ValueError(f"must be {least} to {most} characters long")
        return value

    return check


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not re.match(limits.SITE_URL_PATTERN, value):
        raise ValueError("must be an absolute http(s) URL without query or fragment")
    return value


def _between(least: float, most: float, unit: str = "") -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not least <= value <= most:
            raise ValueError(f"must be from {least:g} to {most:g}{unit}")
        return value

    return check


def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en' or 'kk-KZ'")
    return value


def _site_image(value: str) -> str:
    value = value.strip()
    if value and not value.startswith("/"):
        _base_url(value)
    elif value.startswith("//") or any(ch.isspace() for ch in value):
        raise ValueError("must be an absolute http(s) URL or a path on the site")
    return value


def _actor_name(value: str) -> str:
    if value and not _ACTOR_NAME.match(value):
        raise ValueError("must be lower-case letters, digits and underscores (dots and hyphens inside)")
    return value


def _bucket(value: str) -> str:
    if not _BUCKET.match(value):
        raise ValueError("must be an S3 bucket name")
    return value


def _url_list(value: str) -> str:
    """Comma-separated http(s) URLs, each kept as written (a hub's or receiver's URL is theirs to spell)."""
    urls = [url.strip() for url in value.split(",") if url.strip()]
    for url in urls:
        _base_url(url)
    return ",".join(urls)


def _setting(check: Callable[[Any], Any] | None = None, default: Any = dataclasses.MISSING) -> Any:
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class Settings:
    """What every function knows about the site and where its content lives. Each field is read from the
    environment variable of its name in capitals (SITE_NAME, ...)."""

    site_name: str = _setting(_length(1, 200))
    site_url: str = _setting(_base_url)
    feeds_url: str = _setting(_base_url)
    content_table: str = _setting(_length(3, 255))
    uploads_bucket: str = _setting(_bucket)
    public_bucket: str = _setting(_bucket)
    site_description: str = _setting(_length(0, 1000), "")
    site_language: str = _setting(_language, "en")
    site_image_url: str = _setting(_site_image, "")  # the header of its fediverse profiles
    feed_items: int = _setting(_between(1, limits.MAX_FEED_ITEMS), limits.FEED_ITEMS)
    websub_hubs: str = _setting(_url_list, "")  # comma-separated hub URLs
    ping_queue_url: str = _setting(default="")  # hub pings and webhook deliveries
    photo_queue_url: str = _setting(default="")  # photo uploads, from the ingest to the image function
    bulk_queue_url: str = _setting(default="")  # the publisher's bulk work, to the bulk lane
    ingest_queue_url: str = _setting(default="")  # the ingest's own (an article waiting for its photo)
    import_queue_url: str = _setting(default="")  # the ingest's for import bundles (a bundle, likewise)
    distribution_id: str = _setting(default="")  # CloudFront's, to invalidate withdrawn photos; none locally
    idempotency_table: str = _setting(default="")  # the ingest's ledger of applied upload changes
    webhook_urls: str = _setting(_url_list, "")  # comma-separated receivers of article events
    webhook_secret_arn: str = _setting(default="")  # what they are signed with (required with webhook_urls)
    fediverse_name: str = _setting(_actor_name, "")  # the site actor's name (@<name>@<site>); "": site_name
    actor_key_arn: str = _setting(default="")  # the secret holding our actors' signing key
    delivery_queue_url: str = _setting(default="")  # activities to deliver to followers' servers
    # The local stack's peers run on 127.0.0.1 over http; on AWS only https to public addresses is fetched.
    fediverse_private_peers: bool = _setting(default=False)
    # How far ahead a scheduler run publishes (sleeping till due).
    schedule_look_ahead_seconds: float = _setting(_between(0, 900, " seconds"), 0.0)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems = []
        for setting in dataclasses.fields(cls):
            name = setting.name.upper()
            if name not in env:
                if setting.default is dataclasses.MISSING:
                    problems.append(f"{name}: is required")
                continue
            try:
                value = _typed(env[name], setting.type)
                check = setting.metadata["check"]
                values[setting.name] = check(value) if check else value
            except ValueError as invalid:
                problems.append(f"{name}: {invalid}")
        if values.get("webhook_urls") and not values.get("webhook_secret_arn"):
            problems.append("WEBHOOK_SECRET_ARN must name the webhook secret when WEBHOOK_URLS is set")
        if problems:
            raise SettingsError(f"invalid newsfeed settings in the environment: {'; '.join(problems)}")
        return cls(**values)

    @property
    def webhook_endpoints(self) -> tuple[str, ...]:
        return tuple(url for url in self.webhook_urls.split(",") if url)

    @property
    def actor_name(self) -> str:
        """The site actor's name: as configured (FEDIVERSE_NAME), else the site's name in lower-case letters
        and digits ('KazPost' -> 'kazpost'), else 'news'."""
        if self.fediverse_name:
            return self.fediverse_name
        folded = unicodedata.normalize("NFKD", self.site_name).encode("ascii", "ignore").decode().lower()
        name = re.sub(r"[^a-z0-9_]+", "", folded)[:64]
        return name if _ACTOR_NAME.match(name) else "news"

    @property
    def site(self) -> Site:
        return Site(
            name=self.site_name,
            url=self.site_url,
            description=self.site_description,
            language=self.site_language,
            feeds_url=self.feeds_url,
            hubs=tuple(hub for hub in self.websub_hubs.split(",") if hub),
            fediverse_name=self.actor_name,
            image_url=self.site_image_url,
        )


def _typed(text: str, kind: Any) -> Any:
    """The variable's text as the field's type (annotations are strings here: `from __future__`)."""
    if kind in ("int", int):
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind in ("bool", bool):
        if text.strip().lower() not in ("true", "false"):
            raise ValueError("must be true or false")
        return text.strip().lower() == "true"
    if kind in ("float", float):
        try:
            return float(text.strip())
        except ValueError:
            raise ValueError("must be a number") from None
    return text


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (validated once; tests clear the cache with `get_settings.cache_clear()`)."""
    return Settings.from_environ()
