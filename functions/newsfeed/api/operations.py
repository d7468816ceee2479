"""One route of the read API, as the app and the OpenAPI document both see it (neither imports the other)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


class Operation(NamedTuple):
    """One route: what serves it, and what the OpenAPI document says of it (model names, resolved lazily)."""

    path: str
    name: str
    summary: str
    endpoint: Endpoint
    query: str | None = None
    responses: dict[int, str] = {}  # noqa: RUF012 - never mutated; a NamedTuple default
    path_parameters: tuple[str, ...] = ()
