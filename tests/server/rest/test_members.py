"""Members through HTTP: listing, role changes, removal, leaving, the owner rules."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from server.bus import AccessChanged
from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    read_activity,
    record_effects,
    register,
)


def _members(org: Any) -> str:
    return f"/api/v1/orgs/{org['id']}/members"


async def _set_role(client: Client, caller: User, org: Any, user: User, role: str) -> Any:
    return await client.patch(
        f"{_members(org)}/{user.id}", json={"role": role}, headers=caller.headers
    )


async def _remove(client: Client, caller: User, org: Any, user: User) -> Any:
    return await client.delete(f"{_members(org)}/{user.id}", headers=caller.headers)


async def test_members_are_listed_with_roles_and_profiles(client: Client) -> None:
    owner = await register(client, "owner@example.com", prenom="Olga", nom="Owner")
    org = await create_org(client, owner)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    page = await expect(await client.get(_members(org), headers=consultant.headers), 200)
    assert [(m["user_id"], m["role"]) for m in page["items"]] == [
        (str(owner.id), "OWNER"),
        (str(consultant.id), "CONSULTANT"),
    ]
    first = page["items"][0]
    assert first["organization_id"] == org["id"] and first["joined_at"]
    assert (first["profile"]["email"], first["profile"]["prenom"]) == ("owner@example.com", "Olga")
    assert page["next_cursor"] is None


async def test_member_list_is_paginated(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    for _ in range(2):
        await add_member(client, owner, org["id"])
    first = await expect(await client.get(f"{_members(org)}?limit=2", headers=owner.headers), 200)
    second = await expect(
        await client.get(
            _members(org),
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=owner.headers,
        ),
        200,
    )
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert second["next_cursor"] is None


async def test_admin_changes_a_role_and_it_is_logged(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    member = await add_member(client, owner, org["id"], "MEMBER")
    changed = await expect(await _set_role(client, admin, org, member, "MANAGER"), 200)
    assert (changed["user_id"], changed["role"]) == (str(member.id), "MANAGER")
    assert changed["profile"]["id"] == str(member.id)
    entries = await read_activity(database_url, org["id"], user_id=admin.id)
    [entry] = [e for e in entries if e.action == "ROLE_CHANGED"]
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "ROLE_CHANGED",
        "member",
        member.id,
    )
    assert entry.metadata_ == {"from": "MEMBER", "to": "MANAGER", "user_id": str(member.id)}
    got = await expect(await client.get(f"/api/v1/orgs/{org['id']}", headers=member.headers), 200)
    assert got["role"] == "MANAGER"


@pytest.mark.parametrize("role", ["CLIENT", "CONSULTANT", "ADMIN", "MEMBER"])
async def test_every_non_owner_role_is_assignable_by_an_admin(client: Client, role: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    member = await add_member(client, owner, org["id"], "MANAGER")
    assert (await expect(await _set_role(client, admin, org, member, role), 200))["role"] == role


async def test_the_last_owner_cannot_leave_be_demoted_or_removed(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    for resp in (
        await _set_role(client, owner, org, owner, "ADMIN"),
        await _remove(client, owner, org, owner),
    ):
        body = await expect(resp, 409)
        assert body["code"] == "conflict"
    got = await expect(await client.get(f"/api/v1/orgs/{org['id']}", headers=owner.headers), 200)
    assert got["role"] == "OWNER"


async def test_an_owner_may_leave_or_be_demoted_while_another_owner_remains(
    client: Client,
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    second = await add_member(client, owner, org["id"], "OWNER")
    await expect(await _set_role(client, second, org, owner, "ADMIN"), 200)
    # The promoted owner is now the last one.
    assert (await _set_role(client, second, org, second, "ADMIN")).status == 409
    await expect(await _set_role(client, second, org, owner, "OWNER"), 200)
    assert (await _remove(client, owner, org, owner)).status == 204
    assert (await _remove(client, second, org, second)).status == 409


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(client: Client) -> None:
    a = await register(client)
    org = await create_org(client, a)
    b = await add_member(client, a, org["id"], "OWNER")
    results = await asyncio.gather(
        _set_role(client, a, org, b, "ADMIN"), _set_role(client, b, org, a, "ADMIN")
    )
    assert sorted(r.status for r in results) in ([200, 409], [200, 403])
    page = await expect(await client.get(_members(org), headers=a.headers), 200)
    assert [m["role"] for m in page["items"]].count("OWNER") == 1


async def test_an_admin_cannot_touch_owners(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    co_owner = await add_member(client, owner, org["id"], "OWNER")
    admin = await add_member(client, owner, org["id"], "ADMIN")
    member = await add_member(client, owner, org["id"], "MEMBER")
    for resp in (
        await _set_role(client, admin, org, co_owner, "MEMBER"),
        await _remove(client, admin, org, co_owner),
        await _set_role(client, admin, org, member, "OWNER"),
        await _set_role(client, admin, org, admin, "OWNER"),
    ):
        assert (await expect(resp, 403))["code"] == "forbidden"


async def test_an_owner_may_promote_to_owner(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    assert (await expect(await _set_role(client, owner, org, admin, "OWNER"), 200))["role"] == (
        "OWNER"
    )


@pytest.mark.parametrize("role", ["MANAGER", "CONSULTANT", "MEMBER", "CLIENT"])
async def test_roles_below_admin_cannot_manage_members(client: Client, role: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    caller = await add_member(client, owner, org["id"], role)
    other = await add_member(client, owner, org["id"], "MEMBER")
    assert (await _set_role(client, caller, org, other, "CONSULTANT")).status == 403
    assert (await _remove(client, caller, org, other)).status == 403
    assert (await _set_role(client, caller, org, caller, "ADMIN")).status == 403


@pytest.mark.parametrize("role", ["ADMIN", "MANAGER", "CONSULTANT", "MEMBER", "CLIENT"])
async def test_any_member_may_leave(client: Client, database_url: str, role: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    leaver = await add_member(client, owner, org["id"], role)
    assert (await _remove(client, leaver, org, leaver)).status == 204
    assert (await client.get(f"/api/v1/orgs/{org['id']}", headers=leaver.headers)).status == 404
    me = await expect(await client.get("/api/v1/me", headers=leaver.headers), 200)
    assert (me["organizations"], me["organization_id"]) == ([], None)
    entries = await read_activity(database_url, org["id"], user_id=leaver.id)
    [entry] = [e for e in entries if e.action == "MEMBER_REMOVED"]
    assert entry.metadata_ == {"user_id": str(leaver.id), "role": role, "left": True}


async def test_removal_is_logged_and_signals_that_the_members_access_changed(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    member = await add_member(client, owner, org["id"], "CONSULTANT")
    published = record_effects(monkeypatch)
    assert (await _remove(client, owner, org, member)).status == 204
    assert [e for e in published if isinstance(e, AccessChanged)] == [
        AccessChanged(org_id=uuid.UUID(org["id"]), user_id=member.id)
    ]
    entries = [
        e for e in await read_activity(database_url, org["id"]) if e.action == "MEMBER_REMOVED"
    ]
    assert [(e.user_id, e.resource_id, e.metadata_["left"]) for e in entries] == [
        (owner.id, member.id, False)
    ]
    page = await expect(await client.get(_members(org), headers=owner.headers), 200)
    assert [m["user_id"] for m in page["items"]] == [str(owner.id)]


async def test_unknown_and_foreign_members_are_404(client: Client) -> None:
    owner, other_owner = await register(client), await register(client)
    org = await create_org(client, owner)
    await create_org(client, other_owner)
    for target in (uuid.uuid4(), other_owner.id):
        for resp in (
            await client.patch(
                f"{_members(org)}/{target}", json={"role": "MEMBER"}, headers=owner.headers
            ),
            await client.delete(f"{_members(org)}/{target}", headers=owner.headers),
        ):
            assert (await expect(resp, 404))["code"] == "not_found"


async def test_bad_member_input_is_422(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    resp = await client.patch(
        f"{_members(org)}/not-a-uuid", json={"role": "MEMBER"}, headers=owner.headers
    )
    assert (await expect(resp, 422))["errors"][0]["loc"] == ["path", "user_id"]
    for body in ({"role": "KING"}, {}, {"role": "MEMBER", "extra": 1}, {"role": 3}):
        resp = await client.patch(f"{_members(org)}/{owner.id}", json=body, headers=owner.headers)
        assert (await expect(resp, 422))["code"] == "validation_error", body
