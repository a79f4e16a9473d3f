"""Chat messages through the fan-out path and through python-socketio's own: every member's
socket, over websocket or long-polling, gets each `message:new` once, in seq order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.keys import SIO
from server.realtime.rooms import channel_room
from tests.conftest import AppFactory
from tests.server.realtime.chatkit import make_org, member, send
from tests.server.realtime.fanoutkit import Recorder, wait_members
from tests.sio import connected

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientFactory = Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]]


@pytest.mark.parametrize("fast_fanout", [True, False])
async def test_chat_messages_reach_websocket_and_polling_members_once_in_seq_order(
    fast_fanout: bool,
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
) -> None:
    app = make_app(fast_fanout=fast_fanout)
    server = await aiohttp_server(app)
    http = await aiohttp_client(server)
    org = await make_org(http)
    url = str(server.make_url("/"))
    receivers = [Recorder(t) for t in ("websocket", "polling", "websocket", "polling")]
    for recorder in receivers:
        user = await member(http, org)
        await recorder.connect(url, user.access_token)
        await recorder.wait_until(lambda r=recorder: bool(r.of("session")))
        recorder.emit_with_ack("channel:join", {"channel": org.ref()})
        await recorder.wait_until(lambda r=recorder: bool(r.of("ack")))
    sender = await connected(server, org.owner.access_token)
    assert (await sender.call("channel:join", {"channel": org.ref()}))["ok"]
    room = channel_room(org.general["type"], uuid.UUID(org.general["id"]))
    await wait_members(app[SIO], room, len(receivers) + 1)
    count = 15
    try:
        for i in range(count):
            await send(sender, org.ref(), f"message {i}")
        for recorder in receivers:
            await recorder.wait_until(lambda r=recorder: len(r.of("message:new")) >= count)
        await asyncio.sleep(0.2)
        for recorder in receivers:
            news = recorder.of("message:new")
            assert [m["seq"] for m in news] == list(range(1, count + 1)), recorder.transport
            assert [m["content"] for m in news] == [f"message {i}" for i in range(count)]
        assert (app[SIO].eio.direct_writes > 0) is fast_fanout
    finally:
        await asyncio.gather(sender.close(), *(r.close() for r in receivers))
