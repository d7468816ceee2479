import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed.config import Settings, SettingsError
from tests.support.moto import SITE_ENV


def test_settings_from_the_environment() -> None:
    settings = Settings.from_environ({**SITE_ENV, "SITE_URL": "https://kazpost.example/"})
    assert settings.site_url == "https://kazpost.example"
    assert settings.site.article_url("a-b") == "https://kazpost.example/articles/a-b"
    assert settings.feed_items == 50


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SITE_URL", "kazpost.example"),
        ("SITE_URL", "ftp://x"),
        ("SITE_LANGUAGE", "English"),
        ("UPLOADS_BUCKET", "Bad_Bucket"),
        ("FEED_ITEMS", "0"),
        ("SITE_NAME", ""),
    ],
)
def test_a_bad_variable_is_named_at_cold_start(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environ({**SITE_ENV, name: value})


def test_a_missing_variable_is_named() -> None:
    env = dict(SITE_ENV)
    del env["CONTENT_TABLE"]
    with pytest.raises(SettingsError, match="CONTENT_TABLE"):
        Settings.from_environ(env)


def test_webhook_and_scheduler_settings_are_read_and_checked_with_the_rest() -> None:
    base = {
        "SITE_NAME": "KazPost",
        "SITE_URL": "https://kazpost.example",
        "FEEDS_URL": "https://feeds.kazpost.example",
        "CONTENT_TABLE": "content",
        "UPLOADS_BUCKET": "uploads",
        "PUBLIC_BUCKET": "public",
    }
    settings = Settings.from_environ(
        {**base, "WEBHOOK_URLS": "https://a.example/h, https://b.example/h", "WEBHOOK_SECRET_ARN": "arn:s"}
        | {"SCHEDULE_LOOK_AHEAD_SECONDS": "55"}
    )
    assert settings.webhook_endpoints == ("https://a.example/h", "https://b.example/h")
    assert settings.schedule_look_ahead_seconds == 55
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET_ARN must name the webhook secret"):
        Settings.from_environ({**base, "WEBHOOK_URLS": "https://a.example/h"})
    with pytest.raises(SettingsError, match="WEBHOOK_URLS"):
        Settings.from_environ({**base, "WEBHOOK_URLS": "not a url", "WEBHOOK_SECRET_ARN": "arn:s"})
    with pytest.raises(SettingsError, match="SCHEDULE_LOOK_AHEAD_SECONDS"):
        Settings.from_environ({**base, "SCHEDULE_LOOK_AHEAD_SECONDS": "-1"})


NAMES = [setting.name.upper() for setting in dataclasses.fields(Settings)]


@given(st.sampled_from(NAMES), st.text(max_size=80))
def test_any_value_of_any_variable_is_read_or_refused_by_name(name: str, value: str) -> None:
    try:
        settings = Settings.from_environ({**SITE_ENV, name: value})
    except SettingsError as error:
        refused = str(error)
    else:  # what was read reads back the same
        again = Settings.from_environ({**SITE_ENV, name: str(getattr(settings, name.lower()))})
        assert again == settings
        return
    assert name in refused
