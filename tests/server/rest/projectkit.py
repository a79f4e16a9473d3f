"""Clients, projects and tasks built through the HTTP API, for the tests that need them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.factories import Client, User, expect


def org_url(org: Any) -> str:
    org_id = org["id"] if isinstance(org, dict) else org
    return f"/api/v1/orgs/{org_id}"


def task_url(org: Any, task: Any) -> str:
    return f"{org_url(org)}/tasks/{task['id']}"


async def make_client(
    client: Client, user: User, org: Any, *, contact: User | None = None, **fields: Any
) -> Any:
    body = {"nom": f"Client {uuid.uuid4().hex[:6]}", **fields}
    if contact is not None:
        body["contact_user_id"] = str(contact.id)
    resp = await client.post(f"{org_url(org)}/clients", json=body, headers=user.headers)
    return await expect(resp, 201)


async def make_project(
    client: Client,
    user: User,
    org: Any,
    *,
    customer: Any = None,
    contact: User | None = None,
    lead: User | None = None,
    **fields: Any,
) -> Any:
    """A project (with a new client unless `customer` is given; `contact` is that new
    client's contact; `lead` the project's chef)."""
    if customer is None:
        customer = await make_client(client, user, org, contact=contact)
    body = {
        "nom": f"Projet {uuid.uuid4().hex[:6]}",
        "client_id": customer["id"],
        "date_debut": "2026-01-05",
        **fields,
    }
    if lead is not None:
        body["chef_projet_id"] = str(lead.id)
    resp = await client.post(f"{org_url(org)}/projects", json=body, headers=user.headers)
    return await expect(resp, 201)


async def make_task(client: Client, user: User, org: Any, project: Any, **fields: Any) -> Any:
    body = {"nom": f"Tâche {uuid.uuid4().hex[:6]}", **fields}
    url = f"{org_url(org)}/projects/{project['id']}/tasks"
    return await expect(await client.post(url, json=body, headers=user.headers), 201)


async def move(
    client: Client,
    user: User,
    org: Any,
    task: Any,
    statut: str,
    *,
    after: Any = None,
    before: Any = None,
) -> Any:
    """The raw response of a move."""
    body: dict[str, Any] = {"statut": statut}
    if after is not None:
        body["after_id"] = after["id"]
    if before is not None:
        body["before_id"] = before["id"]
    url = f"{task_url(org, task)}/move"
    return await client.post(url, json=body, headers=user.headers)


async def board(client: Client, user: User, org: Any, project: Any) -> dict[str, list[Any]]:
    """`{statut: [task, ...]}` in board order."""
    url = f"{org_url(org)}/projects/{project['id']}/board"
    body = await expect(await client.get(url, headers=user.headers), 200)
    return {column["statut"]: column["tasks"] for column in body["columns"]}


def locs(problem: Any) -> set[str]:
    """The fields a 422 names, as `body.x` / `query.y` / `path.z`."""
    return {".".join(str(part) for part in error["loc"]) for error in problem["errors"]}
