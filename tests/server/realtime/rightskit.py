"""The live-rights table: every server-to-client event kind, produced for a watched user
`target` before and after each access change, and what their open socket hears compared
with what REST lets them read at that moment.

A `World` is an organization with everything that has an audience: the `general`
organization channel, a project (its channel, a task, a milestone) whose client may have
`target` as contact, an organization-level milestone, a group, and a colleague whose
presence changes. The owner acts; a second organization both belong to carries the
barrier (a direct message to `target`): once it arrives, everything produced before it
has arrived too (one process: emits in order; two processes: one Redis channel in order).

Works on one in-process server (`aiohttp` `TestServer` + `TestClient`) and on real
processes (`ServerProcess` + its `http()` session): `http` is anything with `request`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.factories import User, add_member, create_org, expect, register
from tests.server.rest.projectkit import make_client, make_project, org_url
from tests.sio import Peer, connected

Http = Any
Server = Any
Matcher = Callable[[str, Any], bool]


@dataclass
class World:
    http: Http
    org: dict[str, Any]
    owner: User
    target: User
    colleague: User
    side_org: dict[str, Any]
    general: dict[str, Any]
    project: dict[str, Any]
    customer: dict[str, Any]
    group: dict[str, Any]
    task: dict[str, Any]
    org_milestone: dict[str, Any]
    project_milestone: dict[str, Any]
    owner_peer: Peer
    colleague_peer: Peer
    target_peer: Peer | None = None
    presence: list[str] = field(default_factory=lambda: ["away", "online"])
    # Ids of what the rounds created, newest last.
    invoices: list[str] = field(default_factory=list)
    time_entries: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return org_url(self.org)

    @property
    def project_ref(self) -> dict[str, Any]:
        return {"type": "project", "id": self.project["channel_id"]}

    def refs(self) -> list[dict[str, Any]]:
        return [self.general, self.project_ref, self.group]

    async def call(
        self, method: str, path: str, user: User, body: Any = None, status: int | None = None
    ) -> Any:
        resp = await self.http.request(method, path, json=body, headers=user.headers)
        if status is not None:
            return await expect(resp, status)
        payload = await resp.json() if resp.content_type.endswith("json") else None
        return resp.status, payload

    async def can_get(self, path: str, user: User | None = None) -> bool:
        status, _ = await self.call("GET", path, user or self.target)
        assert status in (200, 403, 404), (path, status)
        return bool(status == 200)


async def build_world(
    http: Http,
    server: Server,
    target_role: str | None,
    *,
    contact: bool = False,
    in_group: bool = True,
) -> World:
    """`target` holds `target_role` in the organization (None: not a member), is the
    project's client contact when `contact`, and in the group when `in_group`."""
    owner = await register(http)
    org = await create_org(http, owner)
    side_org = await create_org(http, owner)
    colleague = await add_member(http, owner, org["id"], "CONSULTANT")
    if target_role is None:
        target = await register(http)
    else:
        target = await add_member(http, owner, org["id"], target_role)
    await add_member_existing(http, owner, side_org["id"], target)
    customer = await make_client(http, owner, org, contact=target if contact else None)
    project = await make_project(http, owner, org, customer=customer)
    base = org_url(org)
    listing = await expect(
        await http.request("GET", f"{base}/channels", headers=owner.headers), 200
    )
    (general,) = [c["channel"] for c in listing["items"] if c["channel"]["name"] == "general"]
    members = [str(colleague.id)] + ([str(target.id)] if in_group and target_role else [])
    group = await expect(
        await http.request(
            "POST",
            f"{base}/groups",
            json={"name": "Avant-vente", "member_ids": members},
            headers=owner.headers,
        ),
        201,
    )
    task = await expect(
        await http.request(
            "POST",
            f"{base}/projects/{project['id']}/tasks",
            json={"nom": "Maquettes"},
            headers=owner.headers,
        ),
        201,
    )
    dates = {"start_date": "2026-01-05", "due_date": "2026-03-01"}
    org_ms = await expect(
        await http.request(
            "POST", f"{base}/milestones", json={"name": "Firm", **dates}, headers=owner.headers
        ),
        201,
    )
    body = {"name": "Lot 1", "projet_id": project["id"], **dates}
    project_ms = await expect(
        await http.request("POST", f"{base}/milestones", json=body, headers=owner.headers), 201
    )
    owner_peer = await connected(server, owner.access_token)
    colleague_peer = await connected(server, colleague.access_token)
    world = World(
        http=http,
        org=org,
        owner=owner,
        target=target,
        colleague=colleague,
        side_org=side_org,
        general={"type": "organization", "id": general["id"]},
        project=project,
        customer=customer,
        group={"type": "group", "id": group["id"]},
        task=task,
        org_milestone=org_ms,
        project_milestone=project_ms,
        owner_peer=owner_peer,
        colleague_peer=colleague_peer,
    )
    for ref in world.refs():
        assert (await owner_peer.call("channel:join", {"channel": ref}))["ok"]
    return world


async def add_member_existing(http: Http, owner: User, org_id: Any, user: User) -> None:
    """`user` (already registered) joins `org_id` through a join code."""
    code = await expect(
        await http.request("POST", f"{org_url(org_id)}/join-codes", json={}, headers=owner.headers),
        201,
    )
    await expect(
        await http.request(
            "POST", "/api/v1/join", json={"code": code["code"]}, headers=user.headers
        ),
        201,
    )


async def connect_target(world: World, server: Server) -> Peer:
    """The watched socket, in every room it may enter (the others refuse it)."""
    peer = await connected(server, world.target.access_token)
    world.target_peer = peer
    await enter_everything(world, peer)
    return peer


async def enter_everything(world: World, peer: Peer) -> None:
    """What a client does on `session` / `organization:added`: join what it may."""
    for ref in world.refs():
        await peer.call("channel:join", {"channel": ref})
    await peer.call("project:subscribe", {"project_id": world.project["id"]})


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


async def send(world: World, ref: dict[str, Any], content: str) -> dict[str, Any] | None:
    ack = await world.owner_peer.call(
        "message:send", {"channel": ref, "content": content, "client_msg_id": uuid.uuid4().hex}
    )
    return ack["data"] if ack["ok"] else None
