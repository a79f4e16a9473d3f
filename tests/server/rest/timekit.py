"""Time entries built through the HTTP API, for the time tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    firm_today,
    register,
)
from tests.server.rest.projectkit import make_project, org_url

TODAY = firm_today()
# A whole ISO week safely in the past.
MONDAY = TODAY - timedelta(days=TODAY.weekday() + 14)


def day(offset: int) -> str:
    """The date `offset` days after MONDAY."""
    return (MONDAY + timedelta(days=offset)).isoformat()


@dataclass
class Firm:
    client: Client
    org: Any
    owner: User
    admin: User
    manager: User
    dev: User
    project: Any

    @property
    def url(self) -> str:
        return f"{org_url(self.org)}/time-entries"

    async def log(self, user: User, when: str, hours: Any, status: int = 201, **fields: Any) -> Any:
        body = {"projet_id": self.project["id"], "date": when, "heures_travaillees": hours}
        resp = await self.client.post(self.url, json={**body, **fields}, headers=user.headers)
        return await expect(resp, status)

    async def decide(
        self, user: User, ids: list[str], decision: str, status: int = 200, **kw: Any
    ) -> Any:
        body = {"ids": ids, "decision": decision, **kw}
        resp = await self.client.post(f"{self.url}/validate", json=body, headers=user.headers)
        return await expect(resp, status)

    async def entries(self, user: User, query: str = "") -> list[Any]:
        resp = await self.client.get(f"{self.url}?limit=200{query}", headers=user.headers)
        return list((await expect(resp, 200))["items"])


async def make_firm(client: Client) -> Firm:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    manager = await add_member(client, owner, org["id"], "MANAGER")
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    project = await make_project(client, owner, org)
    return Firm(client, org, owner, admin, manager, dev, project)
