"""Shared fixtures: site settings in the environment, moto with the template's resources, the pipeline."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.moto import SITE_ENV, Stack, moto_stack, reset_caches


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials (no test can reach AWS), site settings, quiet Powertools."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv(
        "AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled"
    )  # moto serves DynamoDB Streams on the regional host
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    for name, value in SITE_ENV.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    yield
    reset_caches()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with moto_stack(monkeypatch) as created:
        yield created
