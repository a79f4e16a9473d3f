"""Clients and a small Socket.IO app for the fan-out tests (server/realtime/fanout.py).

The app is the server's own `create_sio(settings)` with three test events, so the
transport path under test is exactly the production one while the events sent to each
socket are fully controlled.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web

from server.realtime.rooms import NAMESPACE
from server.realtime.sio import create_sio
from server.settings import Settings


class Recorder:
    """A python-socketio client logging every event and ack in the order it handled them."""

    def __init__(self, transport: str) -> None:
        self.transport = transport
        self.client = socketio.AsyncClient(reconnection=False)
        self.log: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self._pending: set[asyncio.Task[None]] = set()
        self.client.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.log.append((event, data))
        async with self._changed:
            self._changed.notify_all()

    async def connect(self, url: str, token: str | None = None) -> None:
        auth = {"token": token} if token is not None else None
        await self.client.connect(url, auth=auth, transports=[self.transport], wait_timeout=10)

    def emit_with_ack(self, event: str, data: Any) -> None:
        """Emit; the ack lands in the log as ("ack", data) when the client handles it."""

        async def on_ack(reply: Any) -> None:
            await self._record("ack", reply)

        task = asyncio.ensure_future(self.client.emit(event, data, callback=on_ack))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def of(self, event: str) -> list[Any]:
        return [data for name, data in self.log if name == event]

    async def wait_until(self, check: Callable[[], bool], timeout: float = 20) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(check)

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


def burst_app(settings: Settings, room: str) -> tuple[web.Application, socketio.AsyncServer]:
    """Every socket joins `room`. `burst {n, tag, skip_self}` sends, n times: a broadcast
    `b` to the room (without the caller when skip_self), then `d` to the caller alone,
    then `q` to the caller on the library's path (an emit with a callback, queued like an
    ack); the ack comes last."""
    sio = create_sio(settings)
    app = web.Application()
    sio.attach(app, socketio_path="socket.io")

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.enter_room(sid, room)

    @sio.event
    async def burst(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        skip = sid if data.get("skip_self") else None
        for i in range(int(data["n"])):
            item = {"tag": data["tag"], "i": i}
            await sio.emit("b", item, room=room, skip_sid=skip, namespace=NAMESPACE)
            await sio.emit("d", item, to=sid, namespace=NAMESPACE)
            await sio.emit("q", item, to=sid, namespace=NAMESPACE, callback=lambda *_: None)
        return {"done": data["n"]}

    return app, sio


def members(sio: socketio.AsyncServer, room: str) -> int:
    return len(list(sio.manager.get_participants(NAMESPACE, room)))


async def wait_members(sio: socketio.AsyncServer, room: str, count: int) -> None:
    async with asyncio.timeout(20):
        while members(sio, room) < count:  # noqa: ASYNC110 - room state has no event
            await asyncio.sleep(0.02)


def new_room() -> str:
    """Unique per test: with Redis, test servers of concurrent runs share the channel."""
    return f"fanout-test:{uuid.uuid4().hex}"


def expected_sender_log(tag: str, n: int, skip_self: bool) -> list[tuple[str, Any]]:
    log: list[tuple[str, Any]] = []
    for i in range(n):
        item = {"tag": tag, "i": i}
        if not skip_self:
            log.append(("b", item))
        log += [("d", item), ("q", item)]
    return [*log, ("ack", {"done": n})]
