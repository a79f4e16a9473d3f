"""The Node socket.io-client harness (tests/jsclient.py, tests/js/scenario.mjs) against a bare
python-socketio server, so that the harness is proven apart from the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import socketio
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.jsclient import ensure_node_client, run_scenario

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
REFUSAL = {"code": "unauthorized", "message": "missing token"}


@pytest.fixture(scope="module", autouse=True)
def _node_client() -> None:
    ensure_node_client()


def _make_app() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp")
    app = web.Application()
    sio.attach(app)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> None:
        token = (auth or {}).get("token")
        if token == "single-argument":
            # One argument becomes the message, as str(): the client gets no data.
            raise socketio.exceptions.ConnectionRefusedError(REFUSAL)
        if not token:
            # Message and data: socket.io-client exposes the data as err.data.
            raise socketio.exceptions.ConnectionRefusedError(REFUSAL["message"], REFUSAL)
        await sio.enter_room(sid, "lobby")
        await sio.emit("session", {"sid": sid, "token": token}, to=sid)

    @sio.event
    async def echo(sid: str, data: Any) -> dict[str, Any]:
        await sio.emit("echoed", data, room="lobby")
        return {"ok": True, "data": data}

    @sio.event
    async def kick(sid: str) -> None:
        await sio.disconnect(sid)

    return app


@pytest.fixture
async def sio_url(aiohttp_server: ServerFactory) -> str:
    server = await aiohttp_server(_make_app())
    return str(server.make_url("/"))


def _scenario(
    url: str, clients: list[dict[str, Any]], steps: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "url": url,
        "transports": ["websocket"],
        "timeout_ms": 2000,
        "clients": clients,
        "steps": steps,
    }


async def test_refused_connect_reports_the_refusal_data(sio_url: str) -> None:
    out = await run_scenario(
        _scenario(
            sio_url,
            [{"name": "anon"}, {"name": "legacy", "auth": {"token": "single-argument"}}],
            [
                {"client": "anon", "connect": True},
                {"client": "anon", "wait_event": "session"},
                {"client": "legacy", "connect": True},
            ],
        )
    )
    connect, wait, legacy = out["steps"]
    assert connect == {
        "index": 0,
        "ok": True,
        "result": {"connected": False, "error": {"message": "missing token", "data": REFUSAL}},
    }
    # A refused client is not connected: waiting fails at once instead of timing out.
    assert wait["ok"] is False
    assert "not connected" in wait["error"]
    assert out["connect_errors"]["anon"] == REFUSAL
    assert out["events"]["anon"] == []
    # The pitfall the two-argument form avoids.
    assert legacy["result"]["connected"] is False
    assert legacy["result"]["error"]["data"] is None
    assert "unauthorized" in legacy["result"]["error"]["message"]
    assert out["connect_errors"]["legacy"] is None


async def test_accepted_connect_receives_session(sio_url: str) -> None:
    out = await run_scenario(
        _scenario(
            sio_url,
            [{"name": "a", "auth": {"token": "tok-a"}}],
            [
                {"client": "a", "connect": True},
                {"client": "a", "wait_event": "session"},
                {"client": "a", "disconnect": True},
            ],
        )
    )
    connect, session, disconnect = out["steps"]
    assert connect["ok"] and connect["result"]["connected"] is True
    sid = connect["result"]["id"]
    assert session == {
        "index": 1,
        "ok": True,
        "result": {"event": "session", "data": {"sid": sid, "token": "tok-a"}, "count": 1},
    }
    assert disconnect == {"index": 2, "ok": True, "result": {"disconnected": True}}
    assert out["events"] == {"a": [{"event": "session", "data": {"sid": sid, "token": "tok-a"}}]}
    assert out["connect_errors"] == {}
    assert out["disconnects"] == {"a": ["io client disconnect"]}


async def test_emit_with_ack_records_ack_events_and_templates(sio_url: str) -> None:
    out = await run_scenario(
        _scenario(
            sio_url,
            [{"name": "a", "auth": {"token": "tok-a"}}, {"name": "b", "auth": {"token": "tok-b"}}],
            [
                {"client": "a", "connect": True},
                {"client": "b", "connect": True},
                {"client": "b", "wait_event": "session"},
                {"client": "a", "emit": "echo", "data": {"n": 1, "text": "hi"}, "ack": True},
                {"client": "a", "emit": "echo", "data": {"again": "$steps.3.result.data.data"}},
                {"client": "b", "wait_event": "echoed", "count": 2},
                {"client": "a", "wait_event": "echoed"},
                {"client": "a", "emit": "echo", "data": ["$$literal"], "ack": True},
                # The broadcast may land after the ack: wait for it on both sides.
                {"client": "a", "wait_event": "echoed", "count": 3},
                {"client": "b", "wait_event": "echoed", "count": 3},
            ],
        )
    )
    steps = out["steps"]
    assert all(step["ok"] for step in steps), steps
    assert steps[3]["result"] == {"data": {"ok": True, "data": {"n": 1, "text": "hi"}}}
    assert steps[4]["result"] == {"emitted": True}
    second = {"again": {"n": 1, "text": "hi"}}
    assert steps[5]["result"] == {
        "event": "echoed",
        "data": [{"n": 1, "text": "hi"}, second],
        "count": 2,
    }
    # Buffered before the wait: the first echoed not consumed yet.
    assert steps[6]["result"]["data"] == {"n": 1, "text": "hi"}
    assert steps[7]["result"] == {"data": {"ok": True, "data": ["$literal"]}}
    for name in ("a", "b"):
        names = [event["event"] for event in out["events"][name]]
        assert names == ["session", "echoed", "echoed", "echoed"], names
        assert out["events"][name][2]["data"] == second


async def test_ack_timeout_and_server_disconnect_are_step_results(sio_url: str) -> None:
    out = await run_scenario(
        _scenario(
            sio_url,
            [{"name": "a", "auth": {"token": "tok-a"}}],
            [
                {"client": "a", "connect": True},
                {"client": "a", "emit": "no-handler", "data": 1, "ack": True, "timeout_ms": 200},
                {"client": "a", "emit": "kick", "ack": False},
                {"client": "a", "wait_disconnect": True},
            ],
        )
    )
    connect, no_ack, kick, disconnect = out["steps"]
    assert connect["result"]["connected"] is True
    assert no_ack["ok"] is False
    assert "no ack for no-handler" in no_ack["error"]
    assert kick["ok"] is True
    assert disconnect["result"] == {"reason": "io server disconnect"}
