"""Reading the fields of an upload file: YAML front matter (Markdown uploads) or a JSON object (JSON uploads).

Every way the text can be wrong ends in `UploadRejected` naming the field (`front_matter` or `file`) and,
where known, the line.
"""

from __future__ import annotations

import json
from typing import Any, cast

import yaml
from frontmatter.default_handlers import YAMLHandler

from newsfeed.models.upload import Problem, UploadRejected


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


def front_matter(text: str) -> tuple[dict[str, Any], str, dict[str, int]]:
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


def json_object(text: str) -> dict[str, Any]:
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
