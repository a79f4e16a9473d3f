"""A frame over MAX_SOCKET_FRAME_BYTES is refused by the transport (python-socketio's
`max_http_buffer_size`), over websocket and over long-polling alike: the event is never
handled, the offending connection is closed, and everyone else carries on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import socketio
from aiohttp.test_utils import TestServer

from tests.conftest import AppFactory
from tests.factories import Client
from tests.server.realtime.chatkit import joined, make_org, member, send
from tests.sio import Peer

CAP = 2048


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_a_frame_over_the_cap_is_refused_and_the_server_serves_the_others(
    transport: str,
    make_app: AppFactory,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    server = await aiohttp_server(make_app(max_socket_frame_bytes=CAP))
    http = await aiohttp_client(server)
    org = await make_org(http)
    ref = org.ref()
    bystander = await joined(server, await member(http, org), ref)
    sender = Peer()
    gone = asyncio.Event()
    sender.client.on("disconnect", lambda *reason: gone.set())
    await sender.client.connect(
        str(server.make_url("/")),
        auth={"token": org.owner.access_token},
        transports=[transport],
        wait_timeout=5,
    )
    try:
        await sender.wait_for("session")
        assert sender.client.transport() == transport
        assert (await sender.call("channel:join", {"channel": ref}))["ok"]
        # Under the cap: an ordinary message of 1500 characters goes through.
        small = await send(sender, ref, "a" * 1500)
        assert small["seq"] == 1
        # Over it: valid content (3000 characters, the limit is 4000), too many bytes.
        big = {"channel": ref, "content": "b" * 3000, "client_msg_id": "too-big"}
        with pytest.raises(socketio.exceptions.TimeoutError):
            await sender.call("message:send", big, timeout=3)
        await asyncio.wait_for(gone.wait(), 15)
        assert not sender.client.connected
        # The others are still served, and the oversized message was never stored.
        after = await send(bystander, ref, "toujours là")
        assert after["seq"] == 2
        history = await bystander.call("message:history", {"channel": ref})
        assert [m["content"] for m in history["data"]["messages"]] == ["a" * 1500, "toujours là"]
        again = await joined(server, org.owner, ref)
        await again.close()
    finally:
        await sender.close()
        await bystander.close()
