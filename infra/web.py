"""The local front door: the API under /api (API Gateway's part), and the public bucket for the rest: pages,
feeds, the sitemap (CloudFront's part, with its front page, not-found page and redirects), but for the
paths the distribution hands to the API function (the search page: `site_routes`)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import h11
import uvicorn
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from infra.template import load_template, resources_of_type
from newsfeed.api.http import not_modified
from newsfeed.dal.public import PublicBucket, PublicFile
from newsfeed.logic.site.paths import FRONT_PAGE, NOT_FOUND_PAGE

MAX_REQUEST_HEAD_BYTES = 16 * 1024  # uvicorn's (h11's) limit on a request line and its headers
API_PREFIX = "/api"  # where make run serves the API: the site's pages have the paths of the root


class FrontDoorProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 server, answering a request whose head outgrows MAX_REQUEST_HEAD_BYTES with 431
    Request Header Fields Too Large, as API Gateway does, where uvicorn answers every unreadable request 400.
    h11 measures only a head still incomplete, so a whole head that arrives in one piece is measured here.
    The rest of such a request is read and dropped until the client closes, so it receives the answer
    instead of a connection reset (closing with unread data would send one)."""

    refused_head = False

    def send_400_response(self, msg: str) -> None:
        if len(self.conn.trailing_data[0]) <= MAX_REQUEST_HEAD_BYTES:
            super().send_400_response(msg)
            return
        self._refuse_head()

    def _head_too_big(self, data: bytes) -> bool:
        """Whether the request head being received (it starts in h11's buffer, or in `data`) is too big."""
        if self.conn.their_state is not h11.IDLE:
            return False  # a body, or a request already answered
        received = bytes(self.conn.trailing_data[0]) + data
        end = received.find(b"\r\n\r\n")
        return (end if end >= 0 else len(received)) > MAX_REQUEST_HEAD_BYTES

    def _refuse_head(self) -> None:
        self.refused_head = True
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        body = f"The request's headers are over {MAX_REQUEST_HEAD_BYTES} bytes.\n".encode()
        for event in (
            h11.Response(status_code=431, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.write_eof()  # done sending; the client closes once it has read the answer

    def data_received(self, data: bytes) -> None:
        if self.refused_head:
            return
        if self._head_too_big(data):
            self._refuse_head()
            return
        super().data_received(data)


class FrontDoor(uvicorn.Server):
    """uvicorn's server, calling `ready` once its port accepts connections (not before: a banner that
    says the site is up must be true when it is printed), and saying at once that a stop has begun."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.on_ready()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            print("\nnewsfeed is stopping…", flush=True)
        super().handle_exit(sig, frame)


def unmodified_since(request: Request, last_modified: datetime) -> bool:
    """If-Modified-Since, as S3 and CloudFront answer it: only without If-None-Match (which wins), and to
    the second."""
    since = request.headers.get("if-modified-since")
    if not since or "if-none-match" in request.headers:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as HTTP says
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= moment


def _not_found(bucket: PublicBucket) -> Response:
    """The site's not-found page, as CloudFront's custom error response answers a missing object."""
    page: PublicFile | None = bucket.read(NOT_FOUND_PAGE)
    if page is None:
        return Response("Not Found\n", status_code=404, media_type="text/plain")
    return Response(page.body, status_code=404, media_type=page.content_type)


def security_headers(template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The headers CloudFront adds to every page and file: the template's own response headers policy (of
    its one distribution), so that make run serves what AWS serves."""
    policies = resources_of_type(template or load_template(), "AWS::CloudFront::ResponseHeadersPolicy")
    (config,) = (spec["Properties"]["ResponseHeadersPolicyConfig"] for spec in policies.values())
    security = config["SecurityHeadersConfig"]
    transport = security["StrictTransportSecurity"]
    return {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        "Strict-Transport-Security": f"max-age={transport['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if transport["IncludeSubdomains"] else ""),
    }


def public_files(bucket: PublicBucket) -> ASGIApp:
    security = security_headers()

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        key = request.url.path.lstrip("/") or FRONT_PAGE
        file = bucket.read(key) if request.method in ("GET", "HEAD") else None
        if request.method not in ("GET", "HEAD"):
            response = Response("Method Not Allowed\n", status_code=405, headers={"Allow": "GET, HEAD"})
        elif file is None:
            response = _not_found(bucket)
        elif file.redirect:
            response = Response(
                status_code=301, headers={"Location": file.redirect, "Cache-Control": file.cache_control}
            )
        else:
            headers = {
                "ETag": f'"{file.etag}"',
                "Last-Modified": format_datetime(file.last_modified.astimezone(UTC), usegmt=True),
                "Cache-Control": file.cache_control,
                "Access-Control-Allow-Origin": "*",
            }
            if not_modified(request, f'"{file.etag}"') or unmodified_since(request, file.last_modified):
                response = Response(status_code=304, headers=headers)
            else:
                response = Response(file.body, media_type=file.content_type, headers=headers)
        response.headers.update(security)
        await response(scope, receive, send)

    return serve


def site_routes(template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Site path -> the API's path for it: each of the distribution's cache behaviours whose origin is not the
    bucket (one with an OriginPath, in front of the HTTP API), as template.yaml declares them. A pattern that
    ends in `/*` stays one (`/ap/*` -> `/fediverse/ap/*`): `api_path` follows it."""
    (distribution,) = resources_of_type(template or load_template(), "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    prefixes = {o["Id"]: o["OriginPath"] for o in config["Origins"] if "CustomOriginConfig" in o}
    return {
        f"/{b['PathPattern']}": f"{prefixes[b['TargetOriginId']]}/{b['PathPattern']}"
        for b in config.get("CacheBehaviors", [])
        if b["TargetOriginId"] in prefixes
    }


def api_path(routes: Mapping[str, str], path: str) -> str | None:
    """The API's path for a site path, by `site_routes` (None: the bucket's)."""
    if path in routes:
        return routes[path]
    for pattern, target in routes.items():
        if pattern.endswith("/*") and path.startswith(pattern[:-1]):
            return target[:-1] + path.removeprefix(pattern[:-1])
    return None


def by_prefix(default: ASGIApp, apps: Mapping[str, ASGIApp]) -> ASGIApp:
    """One API of several functions, as API Gateway routes them: a path under a prefix to its app."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").removeprefix(scope.get("root_path", ""))
        for prefix, app in apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        await default(scope, receive, send)

    return route


def with_headers(app: ASGIApp, headers: Mapping[str, str]) -> ASGIApp:
    """`app` with these headers on every response (over its own), as a CloudFront response headers policy."""
    extra = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    names = {name for name, _ in extra}

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", []) if h[0].lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await app(scope, receive, sending)

    return wrapped


def api_cors(api: ASGIApp, template: Mapping[str, Any] | None = None) -> ASGIApp:
    """The API behind the CORS rules API Gateway applies on AWS: the template's own CorsConfiguration (of its
    one HTTP API), so the app sets no CORS header itself and the two targets cannot differ."""
    resources = resources_of_type(template or load_template(), "AWS::Serverless::HttpApi")
    (config,) = (spec["Properties"]["CorsConfiguration"] for spec in resources.values())
    return CORSMiddleware(
        api,
        allow_origins=config["AllowOrigins"],
        allow_methods=config["AllowMethods"],
        allow_headers=config["AllowHeaders"],
        expose_headers=config["ExposeHeaders"],
        max_age=config["MaxAge"],
    )


def local_site(api: ASGIApp, bucket: PublicBucket, site_url: str) -> ASGIApp:
    """Route by path: /api/... to the API (with /api as its root path, so its links keep it), as API Gateway
    does on its own host on AWS; everything else to the public bucket, as CloudFront does.

    Every request is taken to be for `site_url` (the site's configured URL), whatever its Host header and
    X-Forwarded-* headers say: the API builds its absolute links from the request, and API Gateway and
    CloudFront only pass on requests for their own names; a forged Host must not reach a link or a cache."""
    own = urlsplit(site_url)
    host = (b"host", own.netloc.encode())
    # CloudFront compresses what it serves for clients that accept it (objects of 1,000 bytes and more);
    # API Gateway's HTTP APIs do not.
    files = GZipMiddleware(public_files(bucket), minimum_size=1000)
    pages = GZipMiddleware(with_headers(api, security_headers()), minimum_size=1000)
    routes = site_routes()
    api = api_cors(api)

    async def site(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [
                h for h in scope["headers"] if h[0] != b"host" and not h[0].startswith(b"x-forwarded-")
            ]
            scope = {**scope, "headers": [host, *headers], "scheme": own.scheme}
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            await api({**scope, "root_path": scope.get("root_path", "") + API_PREFIX}, receive, send)
        elif scope["type"] == "http" and (target := api_path(routes, path)) is not None:
            await pages({**scope, "path": target, "raw_path": target.encode()}, receive, send)
        elif scope["type"] == "http":
            await files(scope, receive, send)

    return site
