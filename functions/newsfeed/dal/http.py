"""HTTP to other servers: a POST to a configured endpoint (WebSub hubs, webhook receivers) or a follower's
inbox that succeeds only on 2xx, and a bounded GET of a JSON document (a fediverse actor's key).

URLs that come from requests (a signature's key, a follower's inbox) are `checked` first: https, to a public
address. The local stack allows http and loopback (its peers run on 127.0.0.1)."""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit


class PostFailed(Exception):
    """The endpoint answered other than 2xx, or could not be reached; the message says which, `status` the
    answer's status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Refused(Exception):
    """A URL we may not fetch (another scheme, a private address), or a document too large or not JSON."""


def checked(url: str, *, allow_private: bool) -> str:
    """`url`, if it is https to a public address (or, with `allow_private`, http and private ones too)."""
    parts = urlsplit(url)
    if parts.scheme not in (("http", "https") if allow_private else ("https",)) or not parts.hostname:
        raise Refused(f"{url!r} is not an https URL")
    if not allow_private:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
        except (OSError, UnicodeError):
            raise Refused(f"{parts.hostname!r} does not resolve") from None
        for address in addresses:
            ip = ipaddress.ip_address(str(address).split("%", 1)[0])
            if not ip.is_global:
                raise Refused(f"{parts.hostname!r} is a private address")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead a checked URL to a private address: it is answered as the failure it is here."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_UNREDIRECTED = urllib.request.build_opener(_NoRedirects)


def get_json(url: str, headers: dict[str, str], timeout: float, max_bytes: int) -> Any:
    """GET a JSON document of at most `max_bytes`, following no redirect; Refused or PostFailed otherwise."""
    request = urllib.request.Request(url, method="GET", headers=headers)  # noqa: S310 - checked by the caller
    try:
        with _UNREDIRECTED.open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        raise PostFailed(f"{url} answered {error.code}", error.code) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise PostFailed(f"{url} unreachable: {error}") from None
    if len(body) > max_bytes:
        raise Refused(f"{url} answered more than {max_bytes} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(f"{url} did not answer JSON") from None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url`; its status, or PostFailed."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - configured http(s) URLs
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise PostFailed(f"{url} answered {error.code}", error.code) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise PostFailed(f"{url} unreachable: {error}") from None
    if not 200 <= status < 300:
        raise PostFailed(f"{url} answered {status}", status)
    return status
