"""A client may emit without asking for an ack (fire and forget): the event is still
handled when valid, ignored when not, and the connection never drops."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.chatkit import joined, make_org, send


async def test_events_without_an_ack_are_handled_or_ignored_and_keep_the_socket(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    peer = await joined(server, org.owner, ref)
    try:
        await peer.client.emit("no:such:event", {"x": 1})
        await peer.client.emit("message:send", {"channel": ref, "content": ""})
        await peer.client.emit("message:send", "not an object")
        await peer.client.emit("message:send")
        content = {"channel": ref, "content": "sans accusé", "client_msg_id": uuid.uuid4().hex}
        await peer.client.emit("message:send", content)
        (new,) = await peer.wait_for("message:new")
        assert (new["seq"], new["content"]) == (1, "sans accusé")
        assert peer.client.connected
        assert (await send(peer, ref, "toujours connecté"))["seq"] == 2
    finally:
        await peer.close()
