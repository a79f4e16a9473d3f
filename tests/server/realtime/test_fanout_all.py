"""Several events to one room in one write per socket (`FanoutManager.emit_all`, how a
presence window's changes leave): each arrives as its own event, in order, over
websocket and long-polling alike; a websocket takes them in one write."""

from __future__ import annotations

from typing import Any

from server.audience import user_room
from server.keys import SIO
from server.realtime.fanout import EngineServer, FanoutManager
from tests.conftest import AppFactory
from tests.factories import register
from tests.sio import Peer, connected


async def test_a_batch_arrives_event_by_event_in_order_in_one_write(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    # One process: through Redis each event is published, and written, on its own.
    app = make_app(fast_fanout=True, redis_url=None)
    server = await aiohttp_server(app)
    http = await aiohttp_client(server)
    user = await register(http)
    websocket = await connected(server, user.access_token)
    polling = Peer()
    await polling.connect(server, user.access_token, transports=["polling"])
    await polling.wait_for("session")
    try:
        sio = app[SIO]
        manager, eio = sio.manager, sio.eio
        assert isinstance(manager, FanoutManager) and isinstance(eio, EngineServer)
        payloads = [{"n": n} for n in range(5)]
        writes = eio.direct_writes
        await manager.emit_all("probe", payloads, "/", user_room(user.id))
        for peer in (websocket, polling):
            assert await peer.wait_for("probe", 5) == payloads
        assert eio.direct_writes == writes + 1  # the websocket's five frames, one write
    finally:
        await websocket.close()
        await polling.close()
