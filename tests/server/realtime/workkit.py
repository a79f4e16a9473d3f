"""A firm with one project and the people around it, and helpers to watch notifications
arrive on real sockets, for the tests of notifications about project work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server.rest.projectkit import make_project, org_url
from tests.sio import Peer


@dataclass
class Team:
    """`lead` (CONSULTANT) leads `project`; `dev` (CONSULTANT) is staffed on it;
    `contact` (CLIENT) is its client's contact; `outsider` is a CLIENT member of the
    organization who cannot read the project; `manager` manages everything."""

    http: Client
    org: Any
    owner: User
    manager: User
    lead: User
    dev: User
    contact: User
    outsider: User
    project: Any

    @property
    def base(self) -> str:
        return org_url(self.org)

    async def call(
        self, method: str, path: str, user: User, status: int = 200, body: Any = None
    ) -> Any:
        resp = await self.http.request(method, self.base + path, json=body, headers=user.headers)
        return await expect(resp, status)

    async def task(self, user: User, **fields: Any) -> Any:
        body = {"nom": "Maquettes", **fields}
        return await self.call("POST", f"/projects/{self.project['id']}/tasks", user, 201, body)

    async def patch_task(self, user: User, task: Any, **fields: Any) -> Any:
        return await self.call("PATCH", f"/tasks/{task['id']}", user, 200, fields)

    async def staff(self, user: User) -> None:
        body = {"profile_id": str(user.id), "date_debut": "2026-01-05", "allocation_pct": 10}
        await self.call(
            "POST", f"/projects/{self.project['id']}/assignments", self.manager, 201, body
        )

    async def stored(self, user: User, type: str) -> list[Any]:
        """The user's notifications of `type` as stored (newest first), read or not."""
        resp = await self.http.get("/api/v1/notifications?limit=200", headers=user.headers)
        return [n for n in (await expect(resp, 200))["items"] if n["type"] == type]


async def make_team(http: Client) -> Team:
    owner = await register(http)
    org = await create_org(http, owner)
    manager = await add_member(http, owner, org["id"], "MANAGER")
    lead = await add_member(http, owner, org["id"], "CONSULTANT")
    dev = await add_member(http, owner, org["id"], "CONSULTANT")
    contact = await add_member(http, owner, org["id"], "CLIENT")
    outsider = await add_member(http, owner, org["id"], "CLIENT")
    project = await make_project(http, manager, org, contact=contact, lead=lead)
    team = Team(http, org, owner, manager, lead, dev, contact, outsider, project)
    await team.staff(dev)
    return team


def notes(peer: Peer, type: str) -> list[Any]:
    """The `notification:new` payloads of `type` the peer received, in order."""
    return [n for n in peer.events["notification:new"] if n["notification"]["type"] == type]


async def wait_notes(peer: Peer, type: str, count: int) -> list[Any]:
    """Wait until the peer received `count` notifications of `type`; return them all."""
    await peer.wait_until(lambda: len(notes(peer, type)) >= count, timeout=15)
    return notes(peer, type)
