"""A real python-socketio client for tests, recording every event it receives."""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp.test_utils import TestServer

# Every peer not yet garbage: the `server` fixture closes those a test left open, since
# a server stopping with a client still connected waits out its shutdown grace instead.
_PEERS: weakref.WeakSet[Peer] = weakref.WeakSet()


async def close_leftover_peers() -> None:
    for peer in list(_PEERS):
        await peer.close()


class Peer:
    """One connected client. `events[name]` lists payloads in arrival order."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        _PEERS.add(self)
        self.events: dict[str, list[Any]] = defaultdict(list)
        # Every (event, payload) in arrival order, across names.
        self.arrivals: list[tuple[str, Any]] = []
        self.connect_error: Any = None
        self._arrived = asyncio.Condition()
        self.client.on("*", self._record)
        self.client.on("connect_error", self._on_connect_error)
        self.client.on("disconnect", self._on_disconnect)

    async def _record(self, event: str, *args: Any) -> None:
        async with self._arrived:
            payload = args[0] if len(args) == 1 else list(args)
            self.events[event].append(payload)
            self.arrivals.append((event, payload))
            self._arrived.notify_all()

    async def _on_disconnect(self, *reason: Any) -> None:
        """Recorded in `arrivals` as ("disconnect", reason) so its order is known."""
        async with self._arrived:
            self.arrivals.append(("disconnect", reason[0] if reason else None))
            self._arrived.notify_all()

    async def _on_connect_error(self, data: Any) -> None:
        self.connect_error = data

    async def connect(self, server: TestServer, token: str | None, **kwargs: Any) -> None:
        url = str(server.make_url("/"))
        auth = {"token": token} if token is not None else None
        transports = kwargs.pop("transports", ["websocket"])
        await self.client.connect(url, auth=auth, transports=transports, wait_timeout=15, **kwargs)

    async def call(self, event: str, data: Any = None, timeout: float = 5) -> Any:
        """Emit with an ack and return the ack payload."""
        if data is None:
            return await self.client.call(event, timeout=timeout)
        return await self.client.call(event, data, timeout=timeout)

    async def wait_for(self, event: str, count: int = 1, timeout: float = 5) -> list[Any]:
        """Wait until `count` payloads of `event` arrived; return them all."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.events[event]) >= count)
        return self.events[event]

    async def wait_until(self, check: Callable[[], bool], timeout: float = 5) -> None:
        """Wait until `check()` holds, re-evaluated whenever an event arrives."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(check)

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


async def connected(server: TestServer, token: str) -> Peer:
    peer = Peer()
    await peer.connect(server, token)
    await peer.wait_for("session")
    return peer
