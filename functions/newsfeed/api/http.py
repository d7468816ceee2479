"""HTTP plumbing of the read and write APIs: caching headers, ETag/304, RFC 9457 problems (one
builder for both; models.api.ProblemDetail documents them), and the guard that turns the unexpected into a
500. Plain Python and Starlette: the article answer uses it (tests/integration/test_api_cold_start.py)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.operations import Endpoint
from newsfeed.models import caching

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
NO_STORE = "no-store"


class Problem(Exception):
    """An answer other than success, raised by an endpoint and answered as `application/problem+json`.

    `extensions` are further members of the problem object (RFC 9457 section 3.2), such as the write API's
    `problems`: what is wrong with the article it was sent.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        parameter: str | None = None,
        location: str | None = None,
        cache_control: str = NO_STORE,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.parameter, self.location, self.cache_control = parameter, location, cache_control
        self.extensions = extensions or {}

    def body(self) -> bytes:
        members: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        members["detail"] = self.detail
        if self.parameter is not None:
            members["parameter"] = self.parameter
        if self.location is not None:
            members["location"] = self.location
        return json.dumps(members | self.extensions, ensure_ascii=False, separators=(",", ":")).encode()


def bad_parameter(name: str, why: str) -> Problem:
    return Problem(400, "Bad Request", f"'{name}' {why}", parameter=name)


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", what, cache_control=caching.MISSING)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weak or strong) or is `*`."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def respond_bytes(
    request: Request,
    body: bytes,
    *,
    cache_control: str,
    status: int = 200,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    """With ETag and Cache-Control; 304 when the client already has these bytes. (CORS is the front door's:
    API Gateway's CorsConfiguration in template.yaml, which the local stack applies the same way.)"""
    etag = _etag(body)
    all_headers = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if status == 200 and not_modified(request, etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status, media_type=media_type, headers=all_headers)


def guarded(handler: Endpoint) -> Endpoint:
    """Anything unexpected becomes a logged 500 problem: no stack trace ever reaches a client."""

    @functools.wraps(handler)
    async def guarded_handler(request: Request) -> Response:
        try:
            return await handler(request)
        except (Problem, HTTPException):
            raise
        except Exception:
            from newsfeed.observability import (
                logger,  # on first failure: keeps Powertools out of the cold start
            )

            logger.exception("request failed", extra={"path": request.url.path})
            raise Problem(500, "Internal Server Error", "Something went wrong on our side.") from None

    return guarded_handler


async def problem(request: Request, exc: Exception) -> Response:
    """The exception handler of both apps: a `Problem`, or Starlette's own 404/405, as problem+json."""
    if isinstance(exc, Problem):
        answer, headers = exc, {"Location": exc.location} if exc.location else {}
    else:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = f"No such endpoint: {request.method} {request.url.path}"
        answer = Problem(status, titles.get(status, "Error"), detail, cache_control=caching.MISSING)
    return respond_bytes(
        request,
        answer.body(),
        status=answer.status,
        media_type=PROBLEM_JSON,
        cache_control=answer.cache_control,
        headers=headers or None,
    )


# Both apps answer every error as problem+json: their own and Starlette's (no route, wrong method).
PROBLEMS: dict[type[Exception] | int, Callable[[Request, Exception], Awaitable[Response]]] = {
    Problem: problem,
    HTTPException: problem,
}
