"""Lambda entry points: parse the event, call one operation, shape the response.

Each handler builds its services once per process (`per_process`): at cold start in Lambda, and again after
`reset()` in tests and benchmarks, which switch between emulated and real AWS endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

T = TypeVar("T")
_FACTORIES: list[Callable[[], object]] = []


def per_process(factory: Callable[[], T]) -> Callable[[], T]:
    cached = cache(factory)
    _FACTORIES.append(cached)
    return cached


def reset() -> None:
    """Forget settings, AWS clients and every handler's services; the next call builds them afresh."""
    from newsfeed.config import get_settings
    from newsfeed.dal import clients

    get_settings.cache_clear()
    clients.reset()
    for factory in _FACTORIES:
        factory.cache_clear()  # type: ignore[attr-defined]
