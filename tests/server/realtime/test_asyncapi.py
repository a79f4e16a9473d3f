"""The served AsyncAPI document (`/api/v1/asyncapi.json`) and its page (`/docs/events`).

The document is generated from the dispatcher's registrations and protocol/events.py: these
tests fail when an event the server handles or emits is not described there, and check
live acks and pushes against the schemas it publishes. (The official @asyncapi/parser
validates it in .ci/run: clients/typescript/scripts/validate-asyncapi.mjs.)
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web
from aiohttp.test_utils import TestServer
from jsonschema import Draft202012Validator

from protocol import events
from protocol.chat import MessageRef
from protocol.events import SERVER_EVENTS
from server.drain import Drain
from server.realtime.asyncapi import ASYNCAPI_PATH, undescribed
from server.realtime.dispatch import Dispatcher
from server.rest.eventdocs import EVENTS_DOCS_PATH, document_of
from tests.factories import Client, expect
from tests.server.realtime.chatkit import joined, make_org, member, send

ROOT = Path(__file__).resolve().parents[3]
# What an event name looks like in the server's source: `message:new`, `auth:refresh`.
EVENT_NAME = re.compile(r"^[a-z]+:[a-z_]+$")


def _dispatcher(app: web.Application) -> Dispatcher:
    from server.rest import eventdocs

    return app[eventdocs._DISPATCHER]


def _module_event_names() -> dict[str, str]:
    """Event names the server's modules hold as string constants, or emit as literals:
    name -> where. protocol/events.py's constants all count, whatever they look like."""
    found = {
        value: "protocol/events.py"
        for name, value in vars(events).items()
        if name.isupper() and isinstance(value, str)
    }
    for path in sorted((ROOT / "server").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and EVENT_NAME.match(node.value)
                and _is_event_use(tree, node)
            ):
                found.setdefault(node.value, where)
    return found


def _is_event_use(tree: ast.AST, constant: ast.Constant) -> bool:
    """A constant assigned to an upper-case module name, or the first argument of an
    `emit`/`Emit`/`on` call: how the server names events."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name | ast.Tuple) for t in node.targets
        ):
            names = [
                n.id
                for t in node.targets
                for n in ([t] if isinstance(t, ast.Name) else getattr(t, "elts", []))
                if isinstance(n, ast.Name)
            ]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if constant in values and any(name.isupper() for name in names):
                return True
        if isinstance(node, ast.Call) and node.args and node.args[0] is constant:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("emit", "Emit", "on"):
                return True
    return False


async def test_every_registered_client_event_has_a_description(client: Client) -> None:
    registered = _dispatcher(client.server.app).described()
    assert len(registered) >= 20
    assert undescribed(registered) == []


async def test_a_handler_without_docstring_is_reported_as_undescribed() -> None:
    dispatcher = Dispatcher(
        socketio.AsyncServer(async_mode="aiohttp"), 10, 10, Drain(), max_json_depth=32
    )

    @dispatcher.on("thing:poke", MessageRef)
    async def poke(_state: Any, _req: MessageRef) -> None:
        return None

    @dispatcher.on("thing:told", MessageRef)
    async def told(_state: Any, _req: MessageRef) -> None:
        """Described."""

    assert undescribed(dispatcher.described()) == ["thing:poke"]


async def test_every_event_name_the_server_uses_is_described(client: Client) -> None:
    """A new emitted event needs `server_event(...)` in protocol/events.py; a new handled
    one, a docstring on its handler."""
    handled = {e.name for e in _dispatcher(client.server.app).described()}
    names = _module_event_names()
    assert {"message:new", "typing", "session", "presence:updated"} <= names.keys()
    missing = {
        name: where
        for name, where in names.items()
        if name not in handled and name not in SERVER_EVENTS
    }
    assert missing == {}, f"events used but not described: {missing}"


async def test_the_document_lists_every_event_with_payload_ack_and_errors(
    client: Client,
) -> None:
    doc = await expect(await client.get(ASYNCAPI_PATH), 200)
    assert doc["asyncapi"] == "3.0.0"
    messages = doc["components"]["messages"]
    received = {op["title"]: op for op in doc["operations"].values() if op["action"] == "receive"}
    sent = {op["title"]: op for op in doc["operations"].values() if op["action"] == "send"}
    assert set(received) == {e.name for e in _dispatcher(client.server.app).described()}
    assert set(sent) == set(SERVER_EVENTS)
    send_op = received["message:send"]
    ack_id = send_op["reply"]["messages"][0]["$ref"].rsplit("/", 1)[-1]
    ack = messages[ack_id]["payload"]["oneOf"]
    assert ack[0]["properties"]["data"] == {"$ref": "#/components/schemas/Message"}
    codes = ack[1]["properties"]["error"]["properties"]["code"]["enum"]
    assert {"validation_error", "not_found", "forbidden", "rate_limited"} <= set(codes)
    assert "client_msg_id" in doc["components"]["schemas"]["MessageSend"]["properties"]
    new = messages["message_new"]
    assert new["payload"] == {"$ref": "#/components/schemas/Message"}
    assert "joined the channel" in new["x-receivers"]
    assert "typing_push" in messages and "typing" in messages  # both directions


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        {**schema, "components": doc["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


async def test_live_acks_and_pushes_match_the_published_schemas(
    server: TestServer, http: Client
) -> None:
    doc = document_of(server.app)
    messages = doc["components"]["messages"]
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        sent = await send(alice, ref, "schéma")
        (pushed,) = await bob_peer.wait_for("message:new")
        _validator(doc, messages["message_new"]["payload"]).validate(pushed)
        ok_ack = await alice.call("channel:read", {"channel": ref, "seq": sent["seq"]})
        bad_ack = await alice.call("message:delete", {"message_id": "not-a-uuid"})
        for event, answer in (("channel_read_ack", ok_ack), ("message_delete_ack", bad_ack)):
            _validator(doc, messages[event]["payload"]).validate(answer)
        await alice.call("typing", {"channel": ref, "typing": True})
        (typing,) = await bob_peer.wait_for("typing")
        _validator(doc, messages["typing_push"]["payload"]).validate(typing)
        assert bad_ack["ok"] is False and bad_ack["error"]["code"] == "validation_error"
    finally:
        await alice.close()
        await bob_peer.close()


async def test_events_page_renders_every_event_and_fetches_nothing(client: Client) -> None:
    resp = await client.get(EVENTS_DOCS_PATH)
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    page = await resp.text()
    for name in [*SERVER_EVENTS, "message:send", "sync", "auth:refresh"]:
        assert f"<code>{name}</code>" in page, name
    assert "Received by" in page and "Ack data" in page
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page)
    assert "<script" not in page


def test_schema_refs_resolve_inside_the_document() -> None:
    """Every `$ref` of the exported document points at something it holds."""
    app = importlib.import_module("server.app").create_app(
        importlib.import_module("server.settings").Settings(
            database_url="sqlite+aiosqlite:///:memory:", jwt_secret="x" * 40, redis_url=None
        )
    )
    doc = document_of(app)

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]
