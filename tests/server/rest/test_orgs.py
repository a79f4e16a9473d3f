"""Organizations through HTTP: creation, slugs, reading, updating, deleting."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.audience import org_room
from server.bus import AccessChanged
from store.db import create_engine, create_session_factory
from store.models import OrganizationChannel
from tests.factories import (
    Client,
    add_member,
    create_org,
    expect,
    read_activity,
    record_effects,
    register,
)


async def test_creator_becomes_owner_and_gets_it_as_primary_organization(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner, "Aurentia Conseil", description="IT consulting")
    assert org["role"] == "OWNER"
    assert (org["name"], org["slug"], org["description"]) == (
        "Aurentia Conseil",
        "aurentia-conseil",
        "IT consulting",
    )
    me = await expect(await client.get("/api/v1/me", headers=owner.headers), 200)
    assert me["organization_id"] == org["id"]
    assert me["organizations"] == [
        {"id": org["id"], "name": "Aurentia Conseil", "slug": "aurentia-conseil", "role": "OWNER"}
    ]
    # A second organization does not replace the primary one.
    await create_org(client, owner, "Second")
    me = await expect(await client.get("/api/v1/me", headers=owner.headers), 200)
    assert me["organization_id"] == org["id"]


async def test_creation_logs_the_owner_as_added_member(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    [entry] = await read_activity(database_url, org["id"])
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "MEMBER_ADDED",
        "member",
        owner.id,
    )
    assert entry.metadata_["role"] == "OWNER"


async def test_a_new_organization_has_a_general_channel(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            channels = list(
                await session.scalars(
                    select(OrganizationChannel).where(
                        OrganizationChannel.organization_id == uuid.UUID(org["id"])
                    )
                )
            )
    finally:
        await engine.dispose()
    assert [(c.name, c.created_by) for c in channels] == [("general", owner.id)]


async def test_slug_is_generated_from_the_name_and_deduplicated(client: Client) -> None:
    owner = await register(client)
    slugs = [
        (await create_org(client, owner, "Société Générale Conseil"))["slug"] for _ in range(3)
    ]
    assert slugs == [
        "societe-generale-conseil",
        "societe-generale-conseil-2",
        "societe-generale-conseil-3",
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("  ACME -- Ltd!! ", "acme-ltd"),
        ("Œuvre & Cie", "oeuvre-cie"),
        ("A", "a-org"),
        ("日本", "org"),
        ("x" * 80, "x" * 50),
        ("ab " + "y" * 60, "ab-" + "y" * 47),
    ],
)
async def test_generated_slugs_are_valid_slugs(client: Client, name: str, slug: str) -> None:
    owner = await register(client)
    assert (await create_org(client, owner, name))["slug"] == slug


async def test_deduplicated_long_slug_stays_within_50_characters(client: Client) -> None:
    owner = await register(client)
    first = await create_org(client, owner, "z" * 60)
    second = await create_org(client, owner, "z" * 60)
    assert first["slug"] == "z" * 50
    assert second["slug"] == "z" * 48 + "-2"


async def test_an_explicit_slug_that_is_taken_is_a_conflict(client: Client) -> None:
    owner = await register(client)
    await create_org(client, owner, "First", slug="my-firm")
    resp = await client.post(
        "/api/v1/orgs", json={"name": "Second", "slug": "my-firm"}, headers=owner.headers
    )
    assert (await expect(resp, 409))["code"] == "conflict"


async def test_create_lists_every_bad_field(client: Client) -> None:
    owner = await register(client)
    resp = await client.post(
        "/api/v1/orgs",
        json={"slug": "Not A Slug", "description": 3, "website": "x" * 3000, "extra": 1},
        headers=owner.headers,
    )
    body = await expect(resp, 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert {
        ("body", "name"),
        ("body", "slug"),
        ("body", "description"),
        ("body", "website"),
        ("body", "extra"),
    } <= locs


async def test_anonymous_callers_are_refused(client: Client) -> None:
    assert (await client.get("/api/v1/orgs")).status == 401
    assert (await client.post("/api/v1/orgs", json={"name": "X"})).status == 401


async def test_list_shows_only_my_organizations_page_by_page(client: Client) -> None:
    me, other = await register(client), await register(client)
    mine = [(await create_org(client, me, f"Mine {i}"))["id"] for i in range(3)]
    await create_org(client, other, "Not mine")
    page = await expect(await client.get("/api/v1/orgs?limit=2", headers=me.headers), 200)
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await expect(
        await client.get(
            "/api/v1/orgs", params={"limit": 2, "cursor": page["next_cursor"]}, headers=me.headers
        ),
        200,
    )
    assert rest["next_cursor"] is None
    assert [o["id"] for o in page["items"] + rest["items"]] == mine
    assert {o["role"] for o in page["items"]} == {"OWNER"}


async def test_a_bad_list_query_is_422(client: Client) -> None:
    me = await register(client)
    for query in ("limit=0", "limit=abc", "cursor=garbage!", "unknown=1"):
        resp = await client.get(f"/api/v1/orgs?{query}", headers=me.headers)
        assert (await expect(resp, 422))["code"] == "validation_error"


async def test_get_is_for_members_only(client: Client) -> None:
    owner, stranger = await register(client), await register(client)
    org = await create_org(client, owner)
    member = await add_member(client, owner, org["id"], "CONSULTANT")
    got = await expect(await client.get(f"/api/v1/orgs/{org['id']}", headers=member.headers), 200)
    assert (got["id"], got["role"]) == (org["id"], "CONSULTANT")
    for org_id in (org["id"], uuid.uuid4()):
        resp = await client.get(f"/api/v1/orgs/{org_id}", headers=stranger.headers)
        assert (await expect(resp, 404))["code"] == "not_found"


async def test_a_malformed_org_id_is_422(client: Client) -> None:
    owner = await register(client)
    body = await expect(await client.get("/api/v1/orgs/not-a-uuid", headers=owner.headers), 422)
    assert body["errors"] == [{"loc": ["path", "org"], "msg": "must be a UUID"}]


async def test_admin_updates_the_organization_and_the_change_is_logged(
    client: Client, database_url: str
) -> None:
    owner = await register(client)
    org = await create_org(client, owner, "Old Name")
    admin = await add_member(client, owner, org["id"], "ADMIN")
    resp = await client.patch(
        f"/api/v1/orgs/{org['id']}",
        json={"name": "New Name", "slug": "new-name", "website": "https://new.example"},
        headers=admin.headers,
    )
    updated = await expect(resp, 200)
    assert (updated["name"], updated["slug"], updated["website"], updated["role"]) == (
        "New Name",
        "new-name",
        "https://new.example",
        "ADMIN",
    )
    [entry] = await read_activity(database_url, org["id"], resource_type="organization")
    assert (entry.action, entry.user_id) == ("ORG_UPDATED", admin.id)
    assert entry.metadata_["changes"] == {
        "name": {"from": "Old Name", "to": "New Name"},
        "slug": {"from": "old-name", "to": "new-name"},
        "website": {"from": None, "to": "https://new.example"},
    }


async def test_update_to_a_taken_slug_is_a_conflict(client: Client) -> None:
    owner = await register(client)
    await create_org(client, owner, "Taken", slug="taken")
    org = await create_org(client, owner, "Mine")
    resp = await client.patch(
        f"/api/v1/orgs/{org['id']}", json={"slug": "taken"}, headers=owner.headers
    )
    assert (await expect(resp, 409))["code"] == "conflict"
    # Setting the slug it already has is no conflict.
    resp = await client.patch(
        f"/api/v1/orgs/{org['id']}", json={"slug": org["slug"]}, headers=owner.headers
    )
    await expect(resp, 200)


async def test_update_refuses_null_name_and_bad_fields(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    for body, loc in [
        ({"name": None}, ["body", "name"]),
        ({"slug": None}, ["body", "slug"]),
        ({"slug": "UPPER"}, ["body", "slug"]),
        ({"name": ""}, ["body", "name"]),
        ({"id": str(uuid.uuid4())}, ["body", "id"]),
    ]:
        resp = await client.patch(f"/api/v1/orgs/{org['id']}", json=body, headers=owner.headers)
        assert (await expect(resp, 422))["errors"][0]["loc"] == loc, body


async def test_update_is_refused_below_admin(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    manager = await add_member(client, owner, org["id"], "MANAGER")
    resp = await client.patch(
        f"/api/v1/orgs/{org['id']}", json={"name": "Mine now"}, headers=manager.headers
    )
    assert (await expect(resp, 403))["code"] == "forbidden"


async def test_delete_is_for_the_owner_and_cascades(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    admin = await add_member(client, owner, org["id"], "ADMIN")
    member = await add_member(client, owner, org["id"], "MEMBER")
    await expect(
        await client.post(f"/api/v1/orgs/{org['id']}/join-codes", json={}, headers=owner.headers),
        201,
    )
    resp = await client.delete(f"/api/v1/orgs/{org['id']}", headers=admin.headers)
    assert (await expect(resp, 403))["code"] == "forbidden"

    published = record_effects(monkeypatch)
    resp = await client.delete(f"/api/v1/orgs/{org['id']}", headers=owner.headers)
    assert resp.status == 204
    signals = [e for e in published if isinstance(e, AccessChanged)]
    org_id = uuid.UUID(org["id"])
    assert signals == [AccessChanged(org_id=org_id, room=org_room(org_id))]

    for user in (owner, admin, member):
        assert (await client.get(f"/api/v1/orgs/{org['id']}", headers=user.headers)).status == 404
        me = await expect(await client.get("/api/v1/me", headers=user.headers), 200)
        assert me["organizations"] == []
        assert me["organization_id"] is None
