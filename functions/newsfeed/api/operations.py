"""One route of the read API, as the app serves it and the OpenAPI document names it (neither imports the
other): its path, its name (the operationId, which `api.openapi` describes) and what serves it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


class Operation(NamedTuple):
    path: str
    name: str
    endpoint: Endpoint

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))


def on_first_use(load: Callable[[], Endpoint]) -> Endpoint:
    """An endpoint made (its module imported, its store built) by its first request: what the article answer
    does not need stays out of the API function's cold start (tests/integration/test_api_cold_start.py)."""
    loaded: list[Endpoint] = []

    async def endpoint(request: Request) -> Response:
        if not loaded:
            loaded.append(load())
        return await loaded[0](request)

    return endpoint
