"""Shared setup for messaging tests: an organization with people and connected sockets."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User, add_member, create_org, expect, register
from tests.sio import Peer, connected


@dataclass
class Org:
    id: str
    owner: User
    general: dict[str, Any]

    def ref(self, channel: dict[str, Any] | None = None) -> dict[str, Any]:
        channel = channel or self.general
        return {"type": channel["type"], "id": channel["id"]}


async def make_org(http: Client) -> Org:
    owner = await register(http)
    org = await create_org(http, owner)
    listing = await expect(
        await http.get(f"/api/v1/orgs/{org['id']}/channels", headers=owner.headers), 200
    )
    (general,) = [c["channel"] for c in listing["items"] if c["channel"]["name"] == "general"]
    return Org(org["id"], owner, general)


async def member(http: Client, org: Org, role: str = "MEMBER") -> User:
    return await add_member(http, org.owner, org.id, role)


async def joined(server: TestServer, user: User, channel: dict[str, Any]) -> Peer:
    peer = await connected(server, user.access_token)
    ack = await peer.call("channel:join", {"channel": channel})
    assert ack["ok"], ack
    return peer


async def send(peer: Peer, channel: dict[str, Any], content: str, **extra: Any) -> dict[str, Any]:
    ack = await peer.call(
        "message:send",
        {"channel": channel, "content": content, "client_msg_id": uuid.uuid4().hex, **extra},
    )
    assert ack["ok"], ack
    return dict(ack["data"])


async def settle() -> None:
    """Give stray broadcasts time to arrive before asserting that none did."""
    await asyncio.sleep(0.2)
