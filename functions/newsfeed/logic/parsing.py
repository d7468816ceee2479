"""Upload files to validated article fields: Markdown with YAML front matter, or JSON.

Every way a file can be wrong ends in `UploadRejected` with precise problems (field, message, and for
front matter the line), never in a half-read article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from newsfeed.logic.article_photos import too_many_photos
from newsfeed.logic.front_matter import front_matter, json_object
from newsfeed.logic.html import render_markdown, sanitize
from newsfeed.logic.slugs import slugify
from newsfeed.models import limits
from newsfeed.models.fields import FORBIDDEN_CHARS
from newsfeed.models.upload import ArticleUpload, Problem, UploadRejected, key_problem

_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ParsedUpload:
    """A valid upload: its fields, its slug (given or derived) and its sanitised HTML body."""

    fields: ArticleUpload
    slug: str
    body_html: str


def decode_text(data: bytes) -> str:
    """UTF-8 text (a leading BOM is dropped); control characters other than tab and newlines are refused."""
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise UploadRejected(
            [
                Problem(
                    field="file",
                    message=f"is {len(data)} bytes; the limit is {limits.MAX_UPLOAD_BYTES} bytes",
                )
            ]
        )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRejected(
            [
                Problem(
                    field="file",
                    message=f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
                    "is invalid; "
                    "save the file as UTF-8",
                )
            ]
        ) from None
    bad = FORBIDDEN_CHARS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise UploadRejected(
            [
                Problem(
                    field="file",
                    message=f"contains the invisible control character U+{ord(bad.group()):04X}; delete it",
                    line=line,
                )
            ]
        )
    return text.replace("\r\n", "\n")


def _validation_problems(exc: ValidationError, lines: dict[str, int]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "file"
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "extra_forbidden":
            message = "is not an article field (check the spelling; docs/editors.md lists the fields)"
        else:
            message = re.sub(r"^(Value error|Assertion failed), ", "", error["msg"])
            message = message[:1].lower() + message[1:]
        problems.append(Problem(field=field, message=message, line=lines.get(str(error["loc"][0]))))
    return problems


def _unaddressable(fields: ArticleUpload, lines: dict[str, int]) -> list[Problem]:
    """A section, tag or author gets its feed and its address from its slug: a name with no letter or digit
    to make one from (an emoji, punctuation) is refused rather than merged with others or dropped."""
    named = [("section", fields.section)]
    named += [(f"tags.{n}", tag) for n, tag in enumerate(fields.tags)]
    named += [(f"authors.{n}", author) for n, author in enumerate(fields.authors)]
    return [
        Problem(
            field=field,
            message=f"'{name}' has no letter or digit to make its address from; add a word to it",
            line=lines.get(field.partition(".")[0]),
        )
        for field, name in named
        if not slugify(name)
    ]


def is_upload_name(name: str) -> bool:
    return name.lower().endswith(limits.UPLOAD_SUFFIXES)


def parse_upload(name: str, data: bytes) -> ParsedUpload:
    """Validate an upload named `name` (its extension picks the format). Raises `UploadRejected`, and only
    that: whatever goes wrong in reading a file is a fact about that file, so an error nobody foresaw is
    refused too (its `unexpected` set, for the caller to log as a fault of ours), never raised or retried."""
    try:
        return _parse(name, data)
    except UploadRejected:
        raise
    except Exception as error:
        raise UploadRejected.from_unexpected(error) from error


def _parse(name: str, data: bytes) -> ParsedUpload:
    if problem := key_problem(name):
        raise UploadRejected([Problem(field="file", message=problem)])
    if not is_upload_name(name):
        raise UploadRejected(
            [
                Problem(
                    field="file",
                    message=f"has an unknown extension; use one of {', '.join(limits.UPLOAD_SUFFIXES)}",
                )
            ]
        )
    text = decode_text(data)
    lines: dict[str, int] = {}
    if name.lower().endswith(".json"):
        raw = json_object(text)
        markdown = None
    else:
        raw, markdown, lines = front_matter(text)
        if "body" in raw:
            raise UploadRejected(
                [
                    Problem(
                        field="body",
                        message="write the body below the front matter, not as a field",
                        line=lines["body"],
                    )
                ]
            )
        raw = {**raw, "body": ""}

    try:
        fields = ArticleUpload.model_validate(raw)
    except ValidationError as exc:
        raise UploadRejected(_validation_problems(exc, lines)) from None

    problems = []
    slug = fields.slug or slugify(fields.title)
    if not slug:
        problems.append(
            Problem(
                field="slug",
                message="cannot be derived from the title; add a 'slug:' field",
                line=lines.get("title"),
            )
        )
    problems += _unaddressable(fields, lines)
    source_html = render_markdown(markdown) if markdown is not None else fields.body
    body_html = sanitize(source_html)
    if not body_html:
        problems.append(Problem(field="body", message="is empty"))
    elif len(body_html.encode()) > limits.MAX_BODY_HTML_BYTES:
        problems.append(
            Problem(
                field="body",
                message=f"is {len(body_html.encode())} bytes as HTML; "
                f"the limit is {limits.MAX_BODY_HTML_BYTES}",
            )
        )
    elif (too_many := too_many_photos(body_html)) is not None:
        problems.append(Problem(field="body", message=too_many))
    if problems:
        raise UploadRejected(problems)
    return ParsedUpload(fields=fields, slug=slug, body_html=body_html)
