"""The local HTTP front door: the API app, and the public bucket under /feeds (as CloudFront serves it)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from newsfeed.dal.public import PublicBucket


def public_files(bucket: PublicBucket) -> Route:
    async def serve(request: Request) -> Response:
        path = request.url.path.lstrip("/")
        file = bucket.read(path)
        if file is None:
            return Response("Not Found\n", status_code=404, media_type="text/plain")
        headers = {
            "ETag": f'"{file.etag}"',
            "Cache-Control": file.cache_control,
            "Access-Control-Allow-Origin": "*",
        }
        if request.headers.get("if-none-match", "").strip() in (f'"{file.etag}"', f'W/"{file.etag}"'):
            return Response(status_code=304, headers=headers)
        return Response(file.body, media_type=file.content_type, headers=headers)

    return Route("/feeds/{path:path}", serve, methods=["GET", "HEAD"])


def local_site(api: ASGIApp, bucket: PublicBucket) -> Starlette:
    return Starlette(routes=[public_files(bucket), Mount("/", app=api)])
