"""Upload files to validated article fields: Markdown with YAML front matter, or JSON.

Every way a file can be wrong ends in `UploadRejected` with precise problems (field, message, and for
front matter the line), never in a half-read article.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, cast

import yaml
from frontmatter.default_handlers import YAMLHandler
from pydantic import ValidationError

from newsfeed.logic.html import render_markdown, sanitize
from newsfeed.logic.slugs import slugify
from newsfeed.models import limits
from newsfeed.models.fields import FORBIDDEN_CHARS
from newsfeed.models.upload import ArticleUpload, Problem, UploadRejected

_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ParsedUpload:
    """A valid upload: its fields, its slug (given or derived) and its sanitised HTML body."""

    fields: ArticleUpload
    slug: str
    body_html: str


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, down to plain scalars, lists and mappings: no aliases (alias bombs), no explicit
    tags (`!!binary`, `!!set`, `!!omap`, `!!python/...`), no duplicate keys. Timestamps stay text, for the one
    date parser (`models.text.parse_instant`) to read with its own rules and messages."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        mark: yaml.Mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", mark
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag
            raise yaml.composer.ComposerError(
                None,
                None,
                f"YAML tags ({shown}) are not allowed in front matter; write plain text, lists and fields",
                mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the field '{key}' appears twice", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_YAML_TAG = "tag:yaml.org,2002:"


def _timestamp_as_text(loader: _StrictLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(cast(yaml.ScalarNode, node)))  # its resolver matches scalars only


_StrictLoader.add_constructor(_YAML_TAG + "timestamp", _timestamp_as_text)


def _front_matter(text: str) -> tuple[dict[str, Any], str, dict[str, int]]:
    """(fields, Markdown body, field -> line number in the file)."""
    handler = YAMLHandler()
    opening = handler.FM_BOUNDARY.match(text) if handler.FM_BOUNDARY else None
    if opening is None:
        raise UploadRejected(
            [
                Problem(
                    field="front_matter",
                    message="missing: a Markdown upload starts with a '---' line, "
                    "then 'field: value' lines, then '---'",
                    line=1,
                )
            ]
        )
    lines_before = text[: opening.end()].count("\n")
    try:
        fm_text, content = handler.split(text)
    except ValueError:
        raise UploadRejected(
            [
                Problem(
                    field="front_matter",
                    message="is not closed: add a '---' line after the last field",
                    line=1,
                )
            ]
        ) from None

    loader = _StrictLoader(fm_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = lines_before + mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        raise UploadRejected(
            [Problem(field="front_matter", message=f"is not valid YAML: {reason}", line=line)]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise UploadRejected([Problem(field="front_matter", message=f"is not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()

    if not isinstance(data, dict):
        raise UploadRejected(
            [Problem(field="front_matter", message="must be 'field: value' lines", line=lines_before + 1)]
        )
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node.value, str):
                lines[key_node.value] = lines_before + key_node.start_mark.line + 1
    return data, content, lines


def _json_object(text: str) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"the field '{key}' appears twice")
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise UploadRejected(
            [
                Problem(
                    field="file",
                    message=f"is not valid JSON: {exc.msg} (column {exc.colno})",
                    line=exc.lineno,
                )
            ]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise UploadRejected([Problem(field="file", message=f"is not valid JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise UploadRejected([Problem(field="file", message="must be a JSON object of article fields")])
    return data


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
            message = "is not an article field (check the spelling; see the README for the fields)"
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
        raw = _json_object(text)
        markdown = None
    else:
        raw, markdown, lines = _front_matter(text)
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
    if problems:
        raise UploadRejected(problems)
    return ParsedUpload(fields=fields, slug=slug, body_html=body_html)
