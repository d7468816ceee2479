"""The local front door: the public bucket under /feeds (as CloudFront serves it), the API for the rest."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from newsfeed.dal.public import PublicBucket


def public_files(bucket: PublicBucket) -> ASGIApp:
    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        file = bucket.read(request.url.path.lstrip("/"))
        if request.method not in ("GET", "HEAD"):
            response = Response("Method Not Allowed\n", status_code=405, headers={"Allow": "GET, HEAD"})
        elif file is None:
            response = Response("Not Found\n", status_code=404, media_type="text/plain")
        else:
            headers = {
                "ETag": f'"{file.etag}"',
                "Cache-Control": file.cache_control,
                "Access-Control-Allow-Origin": "*",
            }
            if request.headers.get("if-none-match", "").strip() in (f'"{file.etag}"', f'W/"{file.etag}"'):
                response = Response(status_code=304, headers=headers)
            else:
                response = Response(file.body, media_type=file.content_type, headers=headers)
        await response(scope, receive, send)

    return serve


def local_site(api: ASGIApp, bucket: PublicBucket) -> ASGIApp:
    """Route by path prefix, as CloudFront (/feeds/*) and API Gateway (everything else) do in front of AWS."""
    files = public_files(bucket)

    async def site(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/feeds/"):
            await files(scope, receive, send)
        else:
            await api(scope, receive, send)

    return site
