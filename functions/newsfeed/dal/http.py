"""An HTTP POST to a configured endpoint (WebSub hubs, webhook receivers) that succeeds only on 2xx."""

from __future__ import annotations

import urllib.error
import urllib.request


class PostFailed(Exception):
    """The endpoint answered other than 2xx, or could not be reached; the message says which."""


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url`; its status, or PostFailed."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - configured http(s) URLs
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise PostFailed(f"{url} answered {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise PostFailed(f"{url} unreachable: {error}") from None
    if not 200 <= status < 300:
        raise PostFailed(f"{url} answered {status}")
    return status
