"""Live rights through the official socket.io-client: a demoted user's socket is told
and hears nothing more, then is ended by logout; a user who joins while connected is
told and hears the organization at once. On one process, and across two on Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.jsclient import ensure_node_client, run_scenario
from tests.server.realtime.clusterkit import processes
from tests.server.realtime.liverights import _join_code, _patch_role
from tests.server.realtime.rightskit import Http, Server, World, build_world
from tests.serverproc import ServerProcess
from tests.sio import Peer


@pytest.fixture(scope="module", autouse=True)
def _node_client() -> None:
    ensure_node_client()


def _step(client: str, **step: Any) -> dict[str, Any]:
    return {"client": client, **step}


async def _presence(peer: Peer, user_id: uuid.UUID, org_id: str, status: str) -> None:
    """The JS client's signal that it reached a step: its presence, seen by the owner."""
    await peer.wait_until(
        lambda: any(
            e == "presence:updated"
            and d["user_id"] == str(user_id)
            and d["organization_id"] == org_id
            and d["status"] == status
            for e, d in peer.arrivals
        ),
        timeout=20,
    )


async def _send(world: World, ref: dict[str, Any], content: str) -> None:
    ack = await world.owner_peer.call(
        "message:send", {"channel": ref, "content": content, "client_msg_id": uuid.uuid4().hex}
    )
    assert ack["ok"] or ref["type"] != "direct", ack


def _barrier(world: World) -> dict[str, Any]:
    return {"type": "direct", "id": str(world.target.id), "organization_id": world.side_org["id"]}


def _scenario(url: str, token: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "url": url.rstrip("/"),
        "transports": ["websocket"],
        "timeout_ms": 15000,
        "clients": [{"name": "u", "auth": {"token": token}}],
        "steps": steps,
    }


def _events(out: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(e["event"], e["data"]) for e in out["events"]["u"]]


async def demoted_then_logged_out(http: Http, actors: Server, watched: Server) -> None:
    world = await build_world(http, actors, "CONSULTANT")
    project = {"type": "project", "id": world.project["channel_id"]}
    steps = [
        _step("u", connect=True),
        _step("u", wait_event="session"),
        _step("u", emit="channel:join", data={"channel": world.general}, ack=True),
        _step("u", emit="channel:join", data={"channel": project}, ack=True),
        _step("u", emit="project:subscribe", data={"project_id": world.project["id"]}, ack=True),
        _step("u", emit="presence:set", data={"status": "away"}, ack=True),
        _step("u", wait_event="channel:removed", count=2),
        _step("u", wait_event="project:unsubscribed"),
        _step("u", wait_event="session", count=2),
        _step("u", wait_event="auth:expired"),
        _step("u", wait_disconnect=True),
    ]
    url = str(watched.make_url("/"))
    job = asyncio.create_task(run_scenario(_scenario(url, world.target.access_token, steps), 60))
    try:
        await _presence(world.owner_peer, world.target.id, world.org["id"], "away")
        await _send(world, world.general, "before")
        await _patch_role(world, "CLIENT")
        await _send(world, world.general, "after")
        await _send(world, project, "after, project")
        tasks = f"{world.base}/projects/{world.project['id']}/tasks"
        await world.call("POST", tasks, world.owner, {"nom": "after"}, status=201)
        await _send(world, _barrier(world), "barrier")
        body = {"refresh_token": world.target.refresh_token}
        resp = await http.request(
            "POST", "/api/v1/auth/logout", json=body, headers=world.target.headers
        )
        assert resp.status == 204
        out = await job
    finally:
        await world.owner_peer.close()
        await world.colleague_peer.close()
    assert all(step["ok"] for step in out["steps"]), out["steps"]
    events = _events(out)
    contents = [d["content"] for e, d in events if e == "message:new"]
    assert contents == ["before", "barrier"], contents
    assert not [e for e, _ in events if e.startswith("task:")]
    removed = [d["channel"] for e, d in events if e == "channel:removed"]
    org_id = world.org["id"]
    assert {(c["type"], c["id"], c["organization_id"]) for c in removed} == {
        ("organization", world.general["id"], org_id),
        ("project", project["id"], org_id),
    }
    assert [d for e, d in events if e == "project:unsubscribed"] == [
        {"project_id": world.project["id"]}
    ]
    sessions = [d for e, d in events if e == "session"]
    roles = {o["id"]: o["role"] for o in sessions[-1]["organizations"]}
    assert roles[org_id] == "CLIENT"
    assert [e for e, _ in events][-1] == "auth:expired"
    assert out["disconnects"]["u"] == ["io server disconnect"]


async def joins_while_connected(http: Http, actors: Server, watched: Server) -> None:
    world = await build_world(http, actors, None, in_group=False)
    steps = [
        _step("u", connect=True),
        _step("u", wait_event="session"),
        _step("u", emit="presence:set", data={"status": "away"}, ack=True),
        _step("u", wait_event="organization:added"),
        _step("u", emit="channel:join", data={"channel": world.general}, ack=True),
        _step("u", emit="presence:set", data={"status": "online"}, ack=True),
        _step("u", wait_event="message:new", count=2),
        _step("u", disconnect=True),
    ]
    url = str(watched.make_url("/"))
    job = asyncio.create_task(run_scenario(_scenario(url, world.target.access_token, steps), 60))
    try:
        await _presence(world.owner_peer, world.target.id, world.side_org["id"], "away")
        await _join_code(world)
        await _presence(world.owner_peer, world.target.id, world.org["id"], "online")
        path = f"{world.base}/milestones/{world.org_milestone['id']}"
        await world.call("PATCH", path, world.owner, {"name": "Firm, renamed"}, status=200)
        await _send(world, world.general, "welcome")
        await _send(world, _barrier(world), "barrier")
        out = await job
    finally:
        await world.owner_peer.close()
        await world.colleague_peer.close()
    assert all(step["ok"] for step in out["steps"]), out["steps"]
    events = _events(out)
    (added,) = [d for e, d in events if e == "organization:added"]
    assert added["organization"]["id"] == world.org["id"] and added["role"] == "MEMBER"
    assert [d["content"] for e, d in events if e == "message:new"] == ["welcome", "barrier"]
    assert [d["name"] for e, d in events if e == "milestone:updated"] == ["Firm, renamed"]
    sessions = [d for e, d in events if e == "session"]
    assert len(sessions) == 2
    assert world.org["id"] in {o["id"] for o in sessions[-1]["organizations"]}


async def test_reference_client_demoted_hears_nothing_more_then_logout_ends_it(
    server: TestServer, http: Client
) -> None:
    await demoted_then_logged_out(http, server, server)


async def test_reference_client_joining_while_connected_hears_the_organization(
    server: TestServer, http: Client
) -> None:
    await joins_while_connected(http, server, server)


@pytest.fixture
async def pair(database_url: str, redis_url: str | None) -> AsyncIterator[list[ServerProcess]]:
    async with processes(database_url, redis_url) as procs:
        yield procs


@pytest.mark.redis
async def test_reference_client_on_another_process_follows_live_rights(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with a.http() as http:
        await demoted_then_logged_out(http, a, b)
        await joins_while_connected(http, a, b)
