"""Site settings, read from the environment once per cold start and validated there: the one reader of the
functions' environment.

`template.yaml` passes these to every function (its Parameters are the publication's settings); the local
stack passes the same names. A wrong value stops the function at cold start with a message naming the
variable, rather than producing broken feeds later.

A plain pydantic model rather than pydantic-settings, which is not among the modules the API function may
import before its first answer (tests/integration/test_api_cold_start.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from newsfeed.models import limits
from newsfeed.models.site import Site

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class SettingsError(RuntimeError):
    """The environment does not describe a usable site; the message names each bad variable."""


def _length(value: str, least: int, most: int) -> str:
    if not least <= len(value) <= most:
        raise ValueError(f"must be {least} to {most} characters long")
    return value


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s?#]+(?:/[^\s?#]*)?$", value):
        raise ValueError("must be an absolute http(s) URL without query or fragment")
    return value


class Settings(BaseModel):
    """What every function knows about the site and where its content lives."""

    # Each field is read from the environment variable of its name in capitals (SITE_NAME, ...). Checks
    # are validators rather than Field constraints: pydantic's Field machinery is a cold-start cost the API
    # function does not otherwise pay.
    model_config = ConfigDict(frozen=True, extra="ignore", alias_generator=str.upper)

    site_name: str
    site_url: str
    site_description: str = ""
    site_language: str = "en"
    feeds_url: str
    content_table: str
    uploads_bucket: str
    public_bucket: str
    feed_items: int = limits.FEED_ITEMS
    websub_hubs: str = ""  # comma-separated hub URLs
    ping_queue_url: str = ""  # hub pings and webhook deliveries
    idempotency_table: str = ""  # the ingest's ledger of applied upload changes (required there)
    webhook_urls: str = ""  # comma-separated receivers of article events
    webhook_secret_arn: str = ""  # the secret they are signed with (required with webhook_urls)
    schedule_look_ahead_seconds: float = 0.0  # how far ahead a scheduler run publishes (sleeping till due)

    @field_validator("site_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _length(value, 1, 200)

    @field_validator("site_description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _length(value, 0, 1000)

    @field_validator("content_table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _length(value, 3, 255)

    @field_validator("feed_items")
    @classmethod
    def _items(cls, value: int) -> int:
        if not 1 <= value <= 500:
            raise ValueError("must be from 1 to 500")
        return value

    @field_validator("websub_hubs", "webhook_urls")
    @classmethod
    def _url_lists(cls, value: str) -> str:
        return ",".join(_url_list(value))

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.webhook_urls and not self.webhook_secret_arn:
            raise ValueError("WEBHOOK_SECRET_ARN must name the webhook secret when WEBHOOK_URLS is set")
        return self

    @field_validator("schedule_look_ahead_seconds")
    @classmethod
    def _look_ahead(cls, value: float) -> float:
        if not 0 <= value <= 900:
            raise ValueError("must be from 0 to 900 seconds")
        return value

    @field_validator("site_url", "feeds_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _base_url(value)

    @field_validator("site_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.match(value):
            raise ValueError("must be a BCP 47 language tag such as 'en' or 'kk-KZ'")
        return value

    @field_validator("uploads_bucket", "public_bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.match(value):
            raise ValueError("must be an S3 bucket name")
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            return cls.model_validate(dict(env))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                if err["loc"]
                else err["msg"].removeprefix("Value error, ")
                for err in exc.errors()
            )
            raise SettingsError(f"invalid newsfeed settings in the environment: {problems}") from None

    @property
    def webhook_endpoints(self) -> tuple[str, ...]:
        return tuple(url for url in self.webhook_urls.split(",") if url)

    @property
    def site(self) -> Site:
        return Site(
            name=self.site_name,
            url=self.site_url,
            description=self.site_description,
            language=self.site_language,
            feeds_url=self.feeds_url,
            hubs=tuple(hub for hub in self.websub_hubs.split(",") if hub),
        )


def _url_list(value: str) -> list[str]:
    urls = [url.strip() for url in value.split(",") if url.strip()]
    for url in urls:
        _base_url(url)
    return urls


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (validated once; tests clear the cache with `get_settings.cache_clear()`)."""
    return Settings.from_environ()
