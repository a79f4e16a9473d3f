"""Who may call which organization-scoped route: one table, every role.

Each `Row` names a route (path placeholders in braces), an optional body, and the status
every caller must get. The callers are one member per role of a single organization, an
outsider (the OWNER of another organization: every org-scoped route must answer 404,
never 403, so existence does not leak) and an anonymous client (401).

To cover a new route, append a `Row` to `ROWS`. A placeholder is resolved by the function
of the same name in `TARGETS`, afresh for every caller, so a row that deletes or changes
its target never disturbs the next caller; add a target function when a route needs a
new kind of resource. Callers expected to fail run first, so a row whose success is
destructive (deleting the organization) cannot affect them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import Client, User, add_member, create_org, expect, register

ROLES = ("OWNER", "ADMIN", "MANAGER", "CONSULTANT", "MEMBER", "CLIENT")
CALLERS = (*ROLES, "outsider", "anonymous")


@dataclass
class World:
    """One organization with a member per role, plus the outsider."""

    client: Client
    org_id: str
    users: dict[str, User]

    @property
    def owner(self) -> User:
        return self.users["OWNER"]


@dataclass
class Call:
    """What a body factory sees: the world, who calls, and the ids put in the path."""

    world: World
    caller: str
    ids: dict[str, str] = field(default_factory=dict)


Target = Callable[[World, str], Awaitable[str]]


async def _org(world: World, caller: str) -> str:
    return world.org_id


async def _member(world: World, caller: str) -> str:
    """A fresh MEMBER of the organization."""
    return str((await add_member(world.client, world.owner, world.org_id, "MEMBER")).id)


async def _co_owner(world: World, caller: str) -> str:
    """A fresh second OWNER of the organization."""
    return str((await add_member(world.client, world.owner, world.org_id, "OWNER")).id)


async def _self(world: World, caller: str) -> str:
    """The caller's own user id (a random one for the anonymous caller)."""
    user = world.users.get(caller)
    return str(user.id) if user is not None else str(uuid.uuid4())


async def _code(world: World, caller: str) -> str:
    """A fresh join code of the organization."""
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/join-codes", json={}, headers=world.owner.headers
    )
    return str((await expect(resp, 201))["id"])


TARGETS: dict[str, Target] = {
    "org": _org,
    "member": _member,
    "co_owner": _co_owner,
    "self": _self,
    "code": _code,
}


def allowed(ok: int, *roles: str, others: int = 403) -> dict[str, int]:
    """`ok` for `roles`, `others` for the remaining members, 404 outsider, 401 anonymous."""
    expected = {role: ok if role in roles else others for role in ROLES}
    return {**expected, "outsider": 404, "anonymous": 401}


def every_member(ok: int) -> dict[str, int]:
    return allowed(ok, *ROLES)


ADMINS = ("OWNER", "ADMIN")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Callable[[Call], Any] | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.label}]" if self.label else "")


def _fresh_email(call: Call) -> str:
    return f"invitee-{uuid.uuid4().hex[:10]}@example.com"


ROWS: list[Row] = [
    # Organizations
    Row("GET", "/orgs/{org}", every_member(200)),
    Row(
        "PATCH",
        "/orgs/{org}",
        allowed(200, *ADMINS),
        body=lambda call: {"description": f"edited by {call.caller}"},
    ),
    Row("DELETE", "/orgs/{org}", allowed(204, "OWNER")),
    # Members
    Row("GET", "/orgs/{org}/members", allowed(200, *(r for r in ROLES if r != "CLIENT"))),
    Row(
        "PATCH",
        "/orgs/{org}/members/{member}",
        allowed(200, *ADMINS),
        body=lambda call: {"role": "CONSULTANT"},
    ),
    Row("DELETE", "/orgs/{org}/members/{member}", allowed(204, *ADMINS)),
    Row(
        "PATCH",
        "/orgs/{org}/members/{co_owner}",
        allowed(200, "OWNER"),
        body=lambda call: {"role": "ADMIN"},
        label="demote an owner",
    ),
    Row("DELETE", "/orgs/{org}/members/{co_owner}", allowed(204, "OWNER")),
    Row(
        "PATCH",
        "/orgs/{org}/members/{member}",
        allowed(200, "OWNER"),
        body=lambda call: {"role": "OWNER"},
        label="promote to owner",
    ),
    # Leaving: anyone but the last owner.
    Row("DELETE", "/orgs/{org}/members/{self}", {**every_member(204), "OWNER": 409}),
    # Join codes
    Row("POST", "/orgs/{org}/join-codes", allowed(201, *ADMINS), body=lambda call: {}),
    Row("GET", "/orgs/{org}/join-codes", allowed(200, *ADMINS)),
    Row("DELETE", "/orgs/{org}/join-codes/{code}", allowed(204, *ADMINS)),
    # Invitations
    Row(
        "POST",
        "/orgs/{org}/invitations",
        allowed(201, *ADMINS),
        body=lambda call: {"email": _fresh_email(call), "role": "MEMBER"},
    ),
    Row(
        "POST",
        "/orgs/{org}/invitations",
        allowed(201, "OWNER"),
        body=lambda call: {"email": _fresh_email(call), "role": "OWNER"},
        label="invite an owner",
    ),
    Row("GET", "/orgs/{org}/invitations", allowed(200, *ADMINS)),
]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


async def build_path(world: World, caller: str, template: str) -> tuple[str, dict[str, str]]:
    """`template` with each `{name}` replaced by a fresh `TARGETS[name]` id."""
    ids = {name: await TARGETS[name](world, caller) for name in _PLACEHOLDER.findall(template)}
    return "/api/v1" + template.format(**ids), ids


@pytest.fixture
async def world(client: Client) -> World:
    owner = await register(client)
    org = await create_org(client, owner)
    users = {"OWNER": owner}
    for role in ROLES[1:]:
        users[role] = await add_member(client, owner, org["id"], role)
    users["outsider"] = await register(client)
    await create_org(client, users["outsider"])
    return World(client, org["id"], users)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
async def test_route_answers_each_caller_as_the_table_says(world: World, row: Row) -> None:
    assert set(row.expected) == set(CALLERS), "every caller needs an expected status"
    # Failures first: they change nothing, whereas a success may (delete the org).
    order = sorted(CALLERS, key=lambda caller: row.expected[caller] < 400)
    got: dict[str, int] = {}
    for caller in order:
        path, ids = await build_path(world, caller, row.path)
        user = world.users.get(caller)
        headers = user.headers if user is not None else {}
        body = row.body(Call(world, caller, ids)) if row.body is not None else None
        resp = await world.client.request(row.method, path, json=body, headers=headers)
        got[caller] = resp.status
        if resp.status >= 400:
            problem = await resp.json(content_type=None)
            assert problem["status"] == resp.status
    mismatches = {c: (row.expected[c], got[c]) for c in CALLERS if row.expected[c] != got[c]}
    assert not mismatches, f"{row.id}: caller -> (expected, got): {mismatches}"
