"""What one authenticated connection and its `presence:list` cost the database, and why
the memory that saves it never outlives a change of access (server/auth/memberships.py).

A reconnect storm is thousands of sockets, ten devices per person, each connecting and
listing its organization: the first of them reads the database, the others what it
read, until a membership changes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestServer

from tests.conftest import AppFactory
from tests.factories import User, create_org, expect
from tests.server import statements
from tests.server.realtime.chatkit import Org, make_org, member
from tests.sio import Peer, connected

COUNTED = {"headers": {statements.COUNT_HEADER: "1"}}


async def _counted_socket(server: TestServer, token: str) -> Peer:
    """A socket whose connect and events have their statements counted (the marker
    travels on the websocket's upgrade request)."""
    peer = Peer()
    await peer.connect(server, token, **COUNTED)
    await peer.wait_for("session")
    return peer


def _queries(found: list[str]) -> list[str]:
    """The statements that read or write (SQLite's driver counts its BEGIN too)."""
    return [s for s in found if not s.startswith("BEGIN")]


async def _list(peer: Peer, org: Org) -> dict[str, Any]:
    ack: dict[str, Any] = await peer.call("presence:list", {"organization_id": org.id})
    return ack


async def _counting_world(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> tuple[TestServer, Org, User, list[str]]:
    """A server counting marked statements, an organization, its member Bob, and the
    list the counted statements go to."""
    app = make_app()
    statements.install(app)
    server = await aiohttp_server(app)
    http = await aiohttp_client(server)
    org = await make_org(http)
    return server, org, await member(http, org), statements.statements(app)


async def test_a_second_device_connects_and_lists_presence_without_a_statement(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server, org, bob, found = await _counting_world(make_app, aiohttp_server, aiohttp_client)
    watcher = await connected(server, org.owner.access_token)
    found.clear()
    first = await _counted_socket(server, bob.access_token)
    try:
        # The connection: session and memberships in one statement (and its tenancy
        # scope), then Bob's first socket makes him online (stored, organizations read).
        connect = _queries(found)
        assert len(connect) <= 5, connect
        found.clear()
        ack = await _list(first, org)
        assert ack["ok"], ack
        # Members and roles in one statement, after its tenancy scope.
        assert len(_queries(found)) <= 2, found
        found.clear()
        second = await _counted_socket(server, bob.access_token)
        ack = await _list(second, org)
        assert ack["ok"], ack
        assert {u["user_id"] for u in ack["data"]["users"]} == {str(org.owner.id), str(bob.id)}
        assert found == []
        await second.close()
    finally:
        await first.close()
        await watcher.close()


async def test_a_change_of_membership_reaches_the_next_list_and_connect_at_once(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app())
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    peer = await connected(server, bob.access_token)
    try:
        assert (await _list(peer, org))["ok"]
        # Bob's sockets were connected and listed a moment ago: nothing remembered of
        # that may answer once his role or his membership changed.
        path = f"/api/v1/orgs/{org.id}/members/{bob.id}"
        await expect(
            await http.patch(path, json={"role": "CLIENT"}, headers=org.owner.headers), 200
        )
        assert (await _list(peer, org))["error"]["code"] == "forbidden"
        again = await connected(server, bob.access_token)
        assert again.events["session"][-1]["organizations"] == [{"id": org.id, "role": "CLIENT"}]
        await again.close()
        await expect(await http.delete(path, headers=org.owner.headers), 204)
        assert (await _list(peer, org))["error"]["code"] == "not_found"
        own = await create_org(http, bob)
        again = await connected(server, bob.access_token)
        assert again.events["session"][-1]["organizations"] == [{"id": own["id"], "role": "OWNER"}]
        await again.close()
    finally:
        await peer.close()


async def test_the_devices_of_one_person_connecting_together_share_one_read(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server, org, bob, found = await _counting_world(make_app, aiohttp_server, aiohttp_client)
    found.clear()
    # Ten devices of one person reconnecting at once (a deploy, a network change), none
    # remembered: the session and memberships are read once for them all.
    devices = [Peer() for _ in range(10)]
    await asyncio.gather(*(d.connect(server, bob.access_token, **COUNTED) for d in devices))
    try:
        reads = [s for s in _queries(found) if "user_organizations" in s]
        assert len(reads) == 1, reads
        for device in devices:
            await device.wait_for("session")
            assert device.events["session"][-1]["organizations"] == [
                {"id": org.id, "role": "MEMBER"}
            ]
    finally:
        for device in devices:
            await device.close()
