"""/docs: the OpenAPI document as one self-contained HTML page (no script, no stylesheet or font from
another host), so it reads the same offline as online: each route with its parameters and answers, then
every schema."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsfeed.api.http import respond_bytes
from newsfeed.api.openapi import document
from newsfeed.api.operations import Operation
from newsfeed.models import caching
from newsfeed.models.site import Site

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b}"
    "code,pre{font:14px/1.4 ui-monospace,monospace}pre{background:#f4f4f4;padding:.75rem;overflow:auto}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;"
    "text-align:left;vertical-align:top}h2{border-top:1px solid #ddd;padding-top:1rem}"
    "@media (prefers-color-scheme:dark){body{background:#141414;color:#ececec}pre{background:#222}"
    "td,th{border-color:#444}a{color:#7db7ff}}"
)


def _prose(text: str) -> str:
    """A description as HTML: escaped, with its `code` spans (CommonMark's, as OpenAPI allows) as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _parameters(parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td><td>{_prose(p.get('description', ''))}</td></tr>"
        for p in parameters
    )
    return f"<table><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr>{rows}</table>"


def _responses(responses: dict[str, Any]) -> str:
    items = []
    for status, answer in responses.items():
        schemas = [
            media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            for media in answer.get("content", {}).values()
        ]
        named = ", ".join(f'<a href="#{escape(s)}">{escape(s)}</a>' for s in schemas if s)
        items.append(
            f"<li><code>{escape(status)}</code> {_prose(answer.get('description', ''))} {named}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def docs_page(spec: dict[str, Any]) -> bytes:
    info = spec["info"]
    base = spec.get("servers", [{}])[0].get("url", "")
    routes = "".join(
        f'<h2 id="{escape(op["operationId"])}"><code>{escape(method.upper())} {escape(path)}</code></h2>'
        f"<p>{_prose(op.get('summary', ''))}</p>"
        f"{_parameters(op.get('parameters', []))}{_responses(op.get('responses', {}))}"
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    )
    schemas = "".join(
        f'<h3 id="{escape(name)}">{escape(name)}</h3>'
        f'<pre tabindex="0">{escape(json.dumps(schema, indent=2))}</pre>'  # focusable: it scrolls
        for name, schema in spec.get("components", {}).get("schemas", {}).items()
    )
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{escape(info['title'])}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>"
        f"<p>{_prose(info.get('description', ''))}</p>"
        f"<p>Base URL: <code>{escape(base)}</code>. The document itself: "
        f'<a href="{escape(base)}/openapi.json">openapi.json</a>.</p>'
        f"{routes}<h2>Schemas</h2>{schemas}</main></body></html>"
    )
    return page.encode()


class Documents:
    """/openapi.json and /docs, generated once (at the first request's base URL: API Gateway's, or make
    run's /api)."""

    def __init__(self, operations: Sequence[Operation], site: Site) -> None:
        self.operations, self.site = operations, site
        self.generated: list[bytes] = []

    def _document(self, request: Request) -> bytes:
        if not self.generated:
            self.generated.append(document(self.operations, self.site, str(request.base_url).rstrip("/")))
        return self.generated[0]

    async def openapi(self, request: Request) -> Response:
        return respond_bytes(request, self._document(request), cache_control=caching.DOCUMENT)

    async def page(self, request: Request) -> Response:
        page = docs_page(json.loads(self._document(request)))
        return respond_bytes(
            request, page, cache_control=caching.DOCUMENT, media_type="text/html; charset=utf-8"
        )
