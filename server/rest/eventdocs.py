"""`GET /api/v1/asyncapi.json` and `GET /docs/events`: the Socket.IO API described.

The document is built once per application from the dispatcher's registry and
`protocol.events` (server/realtime/asyncapi.py); the page renders it server-side as plain
HTML with its own small stylesheet: it loads no script and fetches nothing.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from protocol.events import SERVER_EVENTS
from protocol.realtime import AsyncApiDocument

from ..realtime.asyncapi import ASYNCAPI_PATH, build_document
from ..realtime.dispatch import Dispatcher
from .openapi import api

EVENTS_DOCS_PATH = "/docs/events"
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
section{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
h3 code{font-size:1.1em}.dir{font-size:.8em;color:#fff;border-radius:3px;padding:1px 6px}
.in{background:#2b6cb0}.out{background:#2f855a}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:12px;max-height:24rem}
details summary{cursor:pointer;color:#555}nav a{margin-right:.6rem;white-space:nowrap}
section p{white-space:pre-line}
"""


@dataclass
class _Cache:
    document: dict[str, Any] | None = None
    body: bytes | None = None
    page: str | None = None


_CACHE = web.AppKey("asyncapi_cache", _Cache)
_DISPATCHER = web.AppKey("asyncapi_dispatcher", Dispatcher)


def document_of(app: web.Application) -> dict[str, Any]:
    """The application's AsyncAPI document (built on first use: every handler is set)."""
    cache = app[_CACHE]
    if cache.document is None:
        cache.document = build_document(app[_DISPATCHER].described(), SERVER_EVENTS.values())
    return cache.document


def _resolve(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s (an operation's message points at the channel's, which points at
    the component) down to the object."""
    node: Any = ref
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return dict(node)


def _schema_block(doc: dict[str, Any], title: str, schema: dict[str, Any]) -> str:
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    shown = doc["components"]["schemas"][name] if name else schema
    label = f"{title}: <code>{html.escape(name)}</code>" if name else title
    text = html.escape(json.dumps(shown, indent=2, ensure_ascii=False))
    return f"<details><summary>{label}</summary><pre>{text}</pre></details>"


def render_page(doc: dict[str, Any]) -> str:
    """The document as one self-contained HTML page, an entry per event."""
    ops = doc["operations"]
    received = [op for op in ops.values() if op["action"] == "receive"]
    sent = [op for op in ops.values() if op["action"] == "send"]
    titles = [op["title"] for op in received + sent]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc['info']['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(doc['info']['title'])} <small>{doc['info']['version']}</small></h1>",
        f"<p>Machine-readable: <a href='../api/v1/asyncapi.json'>AsyncAPI {doc['asyncapi']}</a>."
        " The REST API: <a href='../docs'>/docs</a>.</p>",
        f"<pre>{html.escape(doc['info']['description'])}</pre>",
        "<nav>",
        *(f"<a href='#{html.escape(t)}'>{html.escape(t)}</a>" for t in titles),
        "</nav><h2>Client to server</h2>",
    ]
    for op in received:
        message = _resolve(doc, op["messages"][0])
        ack = _resolve(doc, op["reply"]["messages"][0])
        data = ack["payload"]["oneOf"][0]["properties"]["data"]
        parts += [
            f"<section id='{html.escape(op['title'])}'><h3><span class='dir in'>emit</span> ",
            f"<code>{html.escape(op['title'])}</code></h3>",
            f"<p>{html.escape(op['description'])}</p>",
            _schema_block(doc, "Payload", message["payload"]),
            _schema_block(doc, "Ack data", data) if data else "<p>Ack data: any.</p>",
            "</section>",
        ]
    parts.append("<h2>Server to client</h2>")
    for op in sent:
        message = _resolve(doc, op["messages"][0])
        parts += [
            f"<section id='{html.escape(op['title'])}'><h3><span class='dir out'>on</span> ",
            f"<code>{html.escape(op['title'])}</code></h3>",
            f"<p>{html.escape(message['summary'])}</p>",
            f"<p><b>Received by</b>: {html.escape(message['x-receivers'])}.</p>",
            _schema_block(doc, "Payload", message["payload"]),
            "</section>",
        ]
    parts.append("</body></html>")
    return "".join(parts)


@api(
    "The Socket.IO API as an AsyncAPI 3.0 document",
    tags=["docs"],
    auth=False,
    response=AsyncApiDocument,
)
async def asyncapi_json(request: web.Request) -> web.Response:
    """Every client-to-server event (payload, ack data, error codes) and server-to-client
    event (payload, who receives it); rendered for people at `/docs/events`."""
    cache = request.app[_CACHE]
    if cache.body is None:
        cache.body = orjson.dumps(document_of(request.app))
    return web.Response(body=cache.body, content_type="application/json")


async def events_page(request: web.Request) -> web.Response:
    cache = request.app[_CACHE]
    if cache.page is None:
        cache.page = render_page(document_of(request.app))
    return web.Response(
        text=cache.page, content_type="text/html", headers={"Content-Security-Policy": _CSP}
    )


def setup(app: web.Application, dispatcher: Dispatcher) -> None:
    app[_CACHE] = _Cache()
    app[_DISPATCHER] = dispatcher
    app.router.add_get(ASYNCAPI_PATH, asyncapi_json)
    app.router.add_get(EVENTS_DOCS_PATH, events_page)
