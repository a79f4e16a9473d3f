"""Milestones built and read through the HTTP API, for the tests that need them."""

from __future__ import annotations

from typing import Any

from tests.factories import Client, User, create_org, expect, register


def ms_url(org: Any) -> str:
    return f"/api/v1/orgs/{org['id']}/milestones"


def milestone_body(**fields: Any) -> dict[str, Any]:
    return {"name": "Recette", "start_date": "2026-03-02", "due_date": "2026-03-27", **fields}


async def make_milestone(client: Client, user: User, org: Any, **fields: Any) -> Any:
    resp = await client.post(ms_url(org), json=milestone_body(**fields), headers=user.headers)
    return await expect(resp, 201)


async def owner_and_org(client: Client) -> tuple[User, Any]:
    owner = await register(client)
    return owner, await create_org(client, owner)


async def set_status(client: Client, owner: User, org: Any, task: Any, statut: str) -> None:
    url = f"/api/v1/orgs/{org['id']}/tasks/{task['id']}"
    await expect(await client.patch(url, json={"statut": statut}, headers=owner.headers), 200)


async def link_task(
    client: Client, owner: User, org: Any, milestone: Any, task: Any, weight: int = 1
) -> Any:
    url = f"{ms_url(org)}/{milestone['id']}/tasks/{task['id']}"
    return await expect(await client.put(url, json={"weight": weight}, headers=owner.headers), 200)


async def get_milestone(client: Client, user: User, org: Any, milestone: Any) -> Any:
    return await expect(
        await client.get(f"{ms_url(org)}/{milestone['id']}", headers=user.headers), 200
    )
