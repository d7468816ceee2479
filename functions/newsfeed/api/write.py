"""The write API for CMS integrations: `PUT /articles/{slug}`, `DELETE /articles/{slug}` and
`POST /articles/{slug}/photos/{name}`.

API Gateway lets a request in only with a valid SigV4 signature (IAM auth on these routes, template.yaml).
A write goes through the uploads bucket, exactly as an editor's file does: the body is checked here with
the ingest's own rules (so a bad one is answered 422 at once and changes nothing), then put under inbox/,
where the ingest applies it with its ordering, idempotency and rejection reports. The answer is 202: the
article is live within seconds, at the Location given. A photo is sent the way an editor's is, beside the
article's file: the API answers with a form the CMS posts the photo's bytes to, straight into the inbox (a
Lambda request carries 6 MB at most, a photo up to limits.MAX_PHOTO_BYTES).
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from newsfeed.api.http import PROBLEMS
from newsfeed.api.http import Problem as HttpProblem
from newsfeed.logic.article_photos import names_photo, photo_upload_key
from newsfeed.logic.parsing import parse_upload
from newsfeed.models import limits
from newsfeed.models.article import Article, ArticleRecord, Moved, Unpublished
from newsfeed.models.site import article_path
from newsfeed.models.text import is_valid_slug
from newsfeed.models.upload import Problem, UploadRejected, key_problem

FORMATS = {"application/json": ".json", "text/markdown": ".md"}
API_PREFIX = f"{limits.UPLOAD_PREFIX}api/"


class ArticleLookup(Protocol):
    def article_record(self, slug: str, *, consistent: bool = ...) -> ArticleRecord | None: ...


class Uploads(Protocol):
    def upload(self, key: str, data: bytes) -> str: ...

    def unpublish(self, key: str) -> None: ...

    def upload_form(self, key: str, max_bytes: int, seconds: int) -> dict[str, Any]: ...


def refused(status: int, title: str, detail: str, problems: list[Problem] | None = None) -> HttpProblem:
    """A refusal, with what is wrong with the article sent (`problems`, as in a rejection report)."""
    extensions = {"problems": [p.model_dump(exclude_none=True) for p in problems]} if problems else None
    return HttpProblem(status, title, detail, extensions=extensions)


def upload_key(record: ArticleRecord | None, slug: str, suffix: str) -> str:
    """The upload an article's writes go to: its own if it has one (so it stays the same article)."""
    if isinstance(record, Article | Unpublished) and record.source_key:
        return record.source_key
    return f"{API_PREFIX}{slug}/{slug}{suffix}"  # a folder of its own: its photos are named beside it


def create_write_app(store: ArticleLookup, uploads: Uploads) -> Starlette:
    async def put_article(request: Request) -> JSONResponse:
        slug = request.path_params["slug"]
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        suffix = FORMATS.get(media_type)
        if suffix is None:
            raise refused(415, "Unsupported Media Type", f"Send one of: {', '.join(FORMATS)}.")
        data = await request.body()
        if len(data) > limits.MAX_UPLOAD_BYTES:
            raise refused(413, "Content Too Large", f"The limit is {limits.MAX_UPLOAD_BYTES} bytes.")
        try:
            parsed = parse_upload(f"article{suffix}", data)
        except UploadRejected as rejected:
            raise refused(422, "Invalid Article", str(rejected), rejected.problems) from None
        if parsed.slug != slug:
            detail = f"the article's slug is '{parsed.slug}' but the URL names '{slug}'"
            raise refused(422, "Invalid Article", detail, [Problem(field="slug", message=detail)])
        record = store.article_record(slug, consistent=True)
        key = upload_key(record, slug, suffix)
        if _media_type(key) != media_type:
            detail = f"this article is uploaded as {key}; send it as {_media_type(key)}"
            raise refused(409, "Conflict", detail)
        etag = uploads.upload(key, data)
        body = {"slug": slug, "upload": key, "etag": etag, "status": "accepted"}
        return JSONResponse(body, status_code=202, headers={"Location": f"/{article_path(slug)}"})

    async def delete_article(request: Request) -> JSONResponse:
        slug = request.path_params["slug"]
        record = store.article_record(slug, consistent=True)
        if isinstance(record, Unpublished):
            raise refused(410, "Gone", f"The article '{slug}' is already unpublished.")
        if isinstance(record, Moved):
            detail = f"The article moved to '{record.moved_to}'; DELETE /articles/{record.moved_to}."
            raise refused(404, "Not Found", detail)
        if not isinstance(record, Article) or not record.source_key:
            raise refused(404, "Not Found", f"No article at '{slug}'.")
        uploads.unpublish(record.source_key)
        body = {"slug": slug, "upload": record.source_key, "status": "accepted"}
        return JSONResponse(body, status_code=202, headers={"Location": f"/{article_path(slug)}"})

    async def photo_form(request: Request) -> JSONResponse:
        slug, name = request.path_params["slug"], request.path_params["name"]
        key = photo_key(slug, name, store)
        seconds = limits.PHOTO_FORM_SECONDS
        form = uploads.upload_form(key, limits.MAX_PHOTO_BYTES, seconds)
        return JSONResponse({"slug": slug, "photo": name, "upload": key, "form": form, "expires_in": seconds})

    return Starlette(
        routes=[
            Route(f"/{article_path('{slug}')}", put_article, methods=["PUT"]),
            Route(f"/{article_path('{slug}')}", delete_article, methods=["DELETE"]),
            Route(f"/{article_path('{slug}')}/photos/{{name:path}}", photo_form, methods=["POST"]),
        ],
        exception_handlers=PROBLEMS,
    )


def photo_key(slug: str, name: str, store: ArticleLookup) -> str:
    """Where the photo `name` of article `slug` goes: beside the article's file, where the article's
    `image: {url: NAME}` and `![](NAME)` look for it."""
    if not is_valid_slug(slug):
        raise _invalid_photo("slug", f"'{slug}' is not a slug: lower-case letters, digits, hyphens")
    if not names_photo(name):
        suffixes = ", ".join(limits.PHOTO_SUFFIXES)
        raise _invalid_photo("name", f"'{name}' is not a photo's name: a path without '..' ending {suffixes}")
    article = store.article_record(slug, consistent=True)
    if isinstance(article, Moved):
        detail = f"The article moved to '{article.moved_to}'; send its photos to it."
        raise refused(404, "Not Found", detail)
    key = photo_upload_key(upload_key(article, slug, ".json"), name)
    if (why := key_problem(key)) is not None:
        raise _invalid_photo("name", why)
    return key


def _invalid_photo(field: str, detail: str) -> HttpProblem:
    return refused(422, "Invalid Photo", detail, [Problem(field=field, message=detail)])


def _media_type(key: str) -> str:
    return "application/json" if key.endswith(".json") else "text/markdown"
