"""Join codes and invitations through HTTP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.services.identity import invitations, joining
from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    read_activity,
    register,
)


async def _new_code(client: Client, caller: User, org: Any, **body: Any) -> Any:
    resp = await client.post(
        f"/api/v1/orgs/{org['id']}/join-codes", json=body, headers=caller.headers
    )
    return await expect(resp, 201)


async def _join(client: Client, user: User, code: str) -> Any:
    return await client.post("/api/v1/join", json={"code": code}, headers=user.headers)


async def _invite(client: Client, caller: User, org: Any, email: str, role: str = "MEMBER") -> Any:
    return await client.post(
        f"/api/v1/orgs/{org['id']}/invitations",
        json={"email": email, "role": role},
        headers=caller.headers,
    )


async def _accept(client: Client, user: User, token: str) -> Any:
    return await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=user.headers
    )


def _travel(monkeypatch: pytest.MonkeyPatch, module: Any, days: int) -> None:
    """Make `module` see the clock `days` ahead."""
    later = datetime.now(UTC) + timedelta(days=days)
    monkeypatch.setattr(module, "_now", lambda: later)


# Join codes


async def test_admin_creates_an_unguessable_join_code(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    expires = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    code = await _new_code(client, admin, org, role="MANAGER", max_uses=5, expires_at=expires)
    assert (code["role"], code["max_uses"], code["uses"]) == ("MANAGER", 5, 0)
    assert (code["organization_id"], code["created_by"]) == (org["id"], str(admin.id))
    assert datetime.fromisoformat(code["expires_at"]) == datetime.fromisoformat(expires)
    assert len(code["code"]) >= 16  # 96 random bits, URL-safe
    other = await _new_code(client, admin, org)
    assert other["code"] != code["code"] and other["role"] == "MEMBER"
    entries = await read_activity(database_url, org["id"], resource_type="join_code")
    assert [(e.action, e.resource_id) for e in entries] == [
        ("JOIN_CODE_CREATED", uuid.UUID(other["id"])),
        ("JOIN_CODE_CREATED", uuid.UUID(code["id"])),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_at": "2099-01-01T00:00:00"}, "expires_at"),  # naive
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),  # past
        ({"expires_at": "soon"}, "expires_at"),
        ({"role": "OWNER"}, "role"),
        ({"role": "ADMIN"}, "role"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": "many"}, "max_uses"),
        ({"code": "chosen"}, "code"),
    ],
)
async def test_bad_join_code_requests_are_422(client: Client, body: Any, field: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    resp = await client.post(
        f"/api/v1/orgs/{org['id']}/join-codes", json=body, headers=owner.headers
    )
    errors = (await expect(resp, 422))["errors"]
    assert [e["loc"] for e in errors] == [["body", field]]


@pytest.mark.parametrize("role", ["MANAGER", "CONSULTANT", "MEMBER", "CLIENT"])
async def test_join_codes_are_managed_by_admins_only(client: Client, role: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    code = await _new_code(client, owner, org)
    caller = await add_member(client, owner, org["id"], role)
    base = f"/api/v1/orgs/{org['id']}/join-codes"
    for resp in (
        await client.post(base, json={}, headers=caller.headers),
        await client.get(base, headers=caller.headers),
        await client.delete(f"{base}/{code['id']}", headers=caller.headers),
    ):
        assert (await expect(resp, 403))["code"] == "forbidden"


async def test_joining_with_a_code_adds_the_member_with_its_role(
    client: Client, database_url: str
) -> None:
    owner, newcomer = await register(client), await register(client)
    org = await create_org(client, owner)
    code = await _new_code(client, owner, org, role="MANAGER")
    joined = await expect(await _join(client, newcomer, f"  {code['code']} "), 201)
    assert (joined["id"], joined["role"], joined["slug"]) == (org["id"], "MANAGER", org["slug"])
    me = await expect(await client.get("/api/v1/me", headers=newcomer.headers), 200)
    assert me["organization_id"] == org["id"]
    listed = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/join-codes", headers=owner.headers), 200
    )
    assert [c["uses"] for c in listed["items"]] == [1]
    [entry] = await read_activity(database_url, org["id"], user_id=newcomer.id)
    assert (entry.action, entry.resource_id) == ("MEMBER_ADDED", newcomer.id)
    assert entry.metadata_["via"] == "join_code"
    assert entry.metadata_["join_code_id"] == code["id"]


async def test_joining_twice_is_a_conflict_and_spends_no_use(client: Client) -> None:
    owner, newcomer = await register(client), await register(client)
    org = await create_org(client, owner)
    code = await _new_code(client, owner, org, max_uses=2)
    await expect(await _join(client, newcomer, code["code"]), 201)
    assert (await expect(await _join(client, newcomer, code["code"]), 409))["code"] == "conflict"
    assert (await expect(await _join(client, owner, code["code"]), 409))["code"] == "conflict"
    listed = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/join-codes", headers=owner.headers), 200
    )
    assert listed["items"][0]["uses"] == 1


async def test_unknown_expired_and_spent_codes_all_answer_not_found(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    spent = await _new_code(client, owner, org, max_uses=1)
    await expect(await _join(client, await register(client), spent["code"]), 201)
    expiring = await _new_code(
        client, owner, org, expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()
    )
    user = await register(client)
    bodies = [await expect(await _join(client, user, c), 404) for c in ("nope-nope", spent["code"])]
    _travel(monkeypatch, joining, days=2)
    bodies.append(await expect(await _join(client, user, expiring["code"]), 404))
    assert {(b["code"], b["detail"]) for b in bodies} == {("not_found", "join code not found")}


async def test_two_joins_racing_for_the_last_use_one_wins(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    code = await _new_code(client, owner, org, max_uses=1)
    first, second = await register(client), await register(client)
    responses = await asyncio.gather(
        _join(client, first, code["code"]), _join(client, second, code["code"])
    )
    assert sorted(r.status for r in responses) == [201, 404]
    members = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/members", headers=owner.headers), 200
    )
    assert len(members["items"]) == 2
    listed = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/join-codes", headers=owner.headers), 200
    )
    assert listed["items"][0]["uses"] == 1


async def test_deleted_codes_stop_working(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    code = await _new_code(client, owner, org)
    base = f"/api/v1/orgs/{org['id']}/join-codes"
    assert (await client.delete(f"{base}/{code['id']}", headers=owner.headers)).status == 204
    assert (await client.delete(f"{base}/{code['id']}", headers=owner.headers)).status == 404
    assert (await _join(client, await register(client), code["code"])).status == 404
    listed = await expect(await client.get(base, headers=owner.headers), 200)
    assert listed == {"items": [], "next_cursor": None}
    entry = (await read_activity(database_url, org["id"], resource_type="join_code"))[0]
    assert (entry.action, entry.resource_id) == ("JOIN_CODE_DELETED", uuid.UUID(code["id"]))


async def test_another_organizations_code_cannot_be_deleted(client: Client) -> None:
    owner, other = await register(client), await register(client)
    org, other_org = await create_org(client, owner), await create_org(client, other)
    foreign = await _new_code(client, other, other_org)
    resp = await client.delete(
        f"/api/v1/orgs/{org['id']}/join-codes/{foreign['id']}", headers=owner.headers
    )
    assert (await expect(resp, 404))["code"] == "not_found"
    resp = await client.delete(
        f"/api/v1/orgs/{org['id']}/join-codes/not-a-uuid", headers=owner.headers
    )
    assert (await expect(resp, 422))["errors"][0]["loc"] == ["path", "id"]


async def test_bad_join_requests_are_422_and_anonymous_401(client: Client) -> None:
    user = await register(client)
    for body in ({}, {"code": "abc"}, {"code": 123456}, {"code": "x" * 65}):
        resp = await client.post("/api/v1/join", json=body, headers=user.headers)
        assert (await expect(resp, 422))["errors"][0]["loc"] == ["body", "code"], body
    assert (await client.post("/api/v1/join", json={"code": "whatever"})).status == 401


# Invitations


async def test_invitation_is_accepted_by_the_invited_email_once(
    client: Client, database_url: str
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    created = await expect(await _invite(client, admin, org, "Invitee@Example.com", "MANAGER"), 201)
    assert (created["email"], created["role"], created["invited_by"]) == (
        "invitee@example.com",
        "MANAGER",
        str(admin.id),
    )
    assert created["accepted_at"] is None and len(created["token"]) >= 40
    invitee = await register(client, "INVITEE@example.com")
    joined = await expect(await _accept(client, invitee, created["token"]), 201)
    assert (joined["id"], joined["role"]) == (org["id"], "MANAGER")
    again = await expect(await _accept(client, invitee, created["token"]), 409)
    assert again["code"] == "conflict"

    listed = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/invitations", headers=owner.headers), 200
    )
    [item] = [i for i in listed["items"] if i["id"] == created["id"]]
    assert "token" not in item and "token_hash" not in item
    assert item["accepted_at"] is not None
    entries = await read_activity(
        database_url, org["id"], resource_type="invitation", resource_id=uuid.UUID(created["id"])
    )
    assert [(e.action, e.user_id) for e in entries] == [("INVITATION_CREATED", admin.id)]
    assert entries[0].metadata_ == {"email": "invitee@example.com", "role": "MANAGER"}
    [added] = await read_activity(database_url, org["id"], user_id=invitee.id)
    assert (added.action, added.metadata_["via"]) == ("MEMBER_ADDED", "invitation")


async def test_an_invitation_cannot_be_used_with_another_email(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    created = await expect(await _invite(client, owner, org, "right@example.com"), 201)
    intruder = await register(client, "wrong@example.com")
    assert (await expect(await _accept(client, intruder, created["token"]), 403))["code"] == (
        "forbidden"
    )
    assert (await client.get(f"/api/v1/orgs/{org['id']}", headers=intruder.headers)).status == 404
    # The rightful invitee still can.
    rightful = await register(client, "right@example.com")
    await expect(await _accept(client, rightful, created["token"]), 201)


async def test_unknown_and_expired_invitations_are_not_found(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    resp = await client.post(
        f"/api/v1/orgs/{org['id']}/invitations",
        json={"email": "late@example.com", "expires_in_days": 1},
        headers=owner.headers,
    )
    created = await expect(resp, 201)
    late = await register(client, "late@example.com")
    assert (await expect(await _accept(client, late, "x" * 43), 404))["code"] == "not_found"
    _travel(monkeypatch, invitations, days=2)
    assert (await expect(await _accept(client, late, created["token"]), 404))["code"] == (
        "not_found"
    )


async def test_accepting_while_already_a_member_is_a_conflict(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    member = await add_member(client, owner, org["id"], "MEMBER")
    created = await expect(await _invite(client, owner, org, member.email, "ADMIN"), 201)
    assert (await expect(await _accept(client, member, created["token"]), 409))["code"] == (
        "conflict"
    )
    got = await expect(await client.get(f"/api/v1/orgs/{org['id']}", headers=member.headers), 200)
    assert got["role"] == "MEMBER"


async def test_concurrent_accepts_of_one_invitation_join_once(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    created = await expect(await _invite(client, owner, org, "twice@example.com"), 201)
    invitee = await register(client, "twice@example.com")
    responses = await asyncio.gather(
        _accept(client, invitee, created["token"]), _accept(client, invitee, created["token"])
    )
    assert sorted(r.status for r in responses) == [201, 409]


async def test_only_an_owner_may_invite_an_owner(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    resp = await _invite(client, admin, org, "boss@example.com", "OWNER")
    assert (await expect(resp, 403))["code"] == "forbidden"
    created = await expect(await _invite(client, owner, org, "boss@example.com", "OWNER"), 201)
    boss = await register(client, "boss@example.com")
    assert (await expect(await _accept(client, boss, created["token"]), 201))["role"] == "OWNER"


@pytest.mark.parametrize("role", ["MANAGER", "CONSULTANT", "MEMBER", "CLIENT"])
async def test_invitations_are_managed_by_admins_only(client: Client, role: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    caller = await add_member(client, owner, org["id"], role)
    assert (await _invite(client, caller, org, "someone@example.com")).status == 403
    resp = await client.get(f"/api/v1/orgs/{org['id']}/invitations", headers=caller.headers)
    assert resp.status == 403


async def test_bad_invitation_requests_are_422(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    resp = await client.post(
        f"/api/v1/orgs/{org['id']}/invitations",
        json={"email": "not-an-email", "role": "CLIENT", "expires_in_days": 0},
        headers=owner.headers,
    )
    locs = {tuple(e["loc"]) for e in (await expect(resp, 422))["errors"]}
    assert locs == {("body", "email"), ("body", "role"), ("body", "expires_in_days")}
    for body in ({}, {"token": "short"}, {"token": 5}):
        resp = await client.post("/api/v1/invitations/accept", json=body, headers=owner.headers)
        assert (await expect(resp, 422))["code"] == "validation_error"
