"""The AsyncAPI 3.0 document of the Socket.IO API, served at `/api/v1/asyncapi.json`.

Built from the two registries, so it cannot drift from the code: client-to-server events
from the dispatcher's registrations (payload model, ack model, error codes, the handler's
docstring) and server-to-client events from `protocol.events.SERVER_EVENTS`. An event
described in neither is missing here, and a test fails (tests/server/realtime/test_asyncapi.py).

The document describes the server: it `receive`s client events, each with a `reply` (the
Socket.IO acknowledgement), and `send`s server events. Everything travels on one channel,
the Socket.IO namespace `/`; a message's `name` is the Socket.IO event name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from protocol.errors import ErrorCode
from protocol.events import ServerEvent

from ..rest.openapi import api_version
from .dispatch import ClientEvent

ASYNCAPI_PATH = "/api/v1/asyncapi.json"
CHANNEL = "socket"
_SCHEMA_REF = "#/components/schemas/{model}"
_MESSAGE_REF = "#/channels/" + CHANNEL + "/messages/{id}"
_CHANNEL_REF = {"$ref": "#/channels/" + CHANNEL}
_EMPTY: dict[str, Any] = {"type": "object", "additionalProperties": False}

_DESCRIPTION = """\
The realtime side of Aurentia: Socket.IO (protocol v5, the official `socket.io-client` v4)
on namespace `/`, path `/socket.io`, websocket and polling transports.

Connect with `io(url, {auth: {token}})`, `token` being an access token from
`POST /api/v1/auth/login`. A missing, bad or expired token is refused: `connect_error`
carries `data = {code: "unauthorized", message}`. Once accepted, the server sends `session`.

Every client event takes an acknowledgement (the operation's reply here):
`{ok: true, data}` or `{ok: false, error: {code, message, details?}}`, with the error codes
of the REST API. An unknown event or a malformed payload gets `validation_error`.

A channel is named by `{type, id}`: `type` is `organization | project | group | direct`;
`id` is the channel's own id, or for `direct` the other person's user id.

Ordering: `seq` is per channel, starts at 1 and has no gaps. A client that sees a gap, or
that reconnects, asks `sync` with the last `seq` it has. Retry `message:send` with the same
`client_msg_id`: the server stores it once.
"""


def undescribed(clients: Iterable[ClientEvent]) -> list[str]:
    """Client events registered without a description (their handler has no docstring)."""
    return sorted(c.name for c in clients if not (c.summary or "").strip())


def _message_id(event: str, suffix: str = "") -> str:
    return event.replace(":", "_") + suffix


def _schemas(
    clients: list[ClientEvent], servers: list[ServerEvent]
) -> tuple[dict[tuple[Any, JsonSchemaMode], dict[str, Any]], dict[str, Any]]:
    """One pass over every model, so shared sub-models get one definition each."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for client in clients:
        if client.payload is not None:
            wanted[(client.payload, "validation")] = None
        if client.ack is not None:
            wanted[(client.ack, "serialization")] = None
    for server in servers:
        wanted[(server.payload, "serialization")] = None
    refs, top = models_json_schema(list(wanted), ref_template=_SCHEMA_REF)
    return dict(refs), dict(top.get("$defs", {}))


def _ack_schema(data: dict[str, Any], errors: Iterable[ErrorCode]) -> dict[str, Any]:
    success = {
        "type": "object",
        "required": ["ok", "data"],
        "properties": {"ok": {"const": True}, "data": data},
    }
    failure = {
        "type": "object",
        "required": ["ok", "error"],
        "properties": {
            "ok": {"const": False},
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "enum": sorted(code.value for code in errors)},
                    "message": {"type": "string"},
                    "details": {},
                },
            },
        },
    }
    return {"oneOf": [success, failure]}


def _error_text(errors: Iterable[ErrorCode]) -> str:
    return "Error codes: " + ", ".join(f"`{code.value}`" for code in sorted(errors)) + "."


def build_document(clients: list[ClientEvent], servers: Iterable[ServerEvent]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of `clients` (received) and `servers` (sent) events."""
    server_list = sorted(servers, key=lambda e: e.name)
    refs, schemas = _schemas(clients, server_list)
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for client in clients:
        request_id, ack_id = _message_id(client.name), _message_id(client.name, "_ack")
        payload = refs[(client.payload, "validation")] if client.payload else _EMPTY
        data = refs[(client.ack, "serialization")] if client.ack else {}
        messages[request_id] = {
            "name": client.name,
            "title": client.name,
            "summary": (client.summary or "").split("\n\n", 1)[0],
            "payload": payload,
        }
        messages[ack_id] = {
            "name": f"{client.name} (ack)",
            "title": f"{client.name} acknowledgement",
            "summary": _error_text(client.errors),
            "payload": _ack_schema(data, client.errors),
        }
        operations["receive_" + request_id] = {
            "action": "receive",
            "channel": _CHANNEL_REF,
            "title": client.name,
            "summary": (client.summary or "").split("\n\n", 1)[0],
            "description": f"{client.summary or ''}\n\n{_error_text(client.errors)}".strip(),
            "tags": [{"name": "client-to-server"}, {"name": client.name.split(":", 1)[0]}],
            "messages": [{"$ref": _MESSAGE_REF.format(id=request_id)}],
            "reply": {
                "channel": _CHANNEL_REF,
                "messages": [{"$ref": _MESSAGE_REF.format(id=ack_id)}],
            },
        }
    for server in server_list:
        message_id = _message_id(server.name)
        if message_id in messages:  # the same name both ways (`typing`, `channel:read`)
            message_id = _message_id(server.name, "_push")
        messages[message_id] = {
            "name": server.name,
            "title": server.name,
            "summary": server.summary,
            "payload": refs[(server.payload, "serialization")],
            "x-receivers": server.receivers,
        }
        operations["send_" + message_id] = {
            "action": "send",
            "channel": _CHANNEL_REF,
            "title": server.name,
            "summary": server.summary,
            "description": f"{server.summary}\n\nReceived by: {server.receivers}.",
            "tags": [{"name": "server-to-client"}, {"name": server.name.split(":", 1)[0]}],
            "messages": [{"$ref": _MESSAGE_REF.format(id=message_id)}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Aurentia realtime API",
            "version": api_version(),
            "description": _DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:8080",
                "protocol": "ws",
                "pathname": "/socket.io",
                "description": "`aurentia serve` with its defaults (Socket.IO over websocket); "
                "the access token goes in the handshake's `auth` object",
            }
        },
        "channels": {
            CHANNEL: {
                "address": "/",
                "title": "Socket.IO namespace /",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
