"""Row Level Security on PostgreSQL: the database itself keeps organizations apart.

Data is built through the HTTP API; the assertions read it back as the server's own
role (DATABASE_APP_ROLE) through the store, with queries that deliberately name no
organization, so that only the policies can be what hides the other tenant's rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.keys import SESSIONS
from server.settings import Settings
from store import join_codes, migrate, organizations, tenancy
from store.db import create_engine, create_session_factory
from store.models import JoinCode, Projet, UserOrganization
from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server.rest.projectkit import make_project, org_url
from tests.server.test_cli import _env, _free_port, _run
from tests.sio import connected

pytestmark = pytest.mark.postgres

# Tables whose `organization_id` does not say who owns the row, and why they are not
# behind the tenant policy. Anything else with the column must have forced RLS.
NOT_TENANT_KEYED = {
    # A profile belongs to its user and is read across organizations (members of every
    # organization the user is in); the column is the user's preferred organization.
    "profiles",
}

FORCED_RLS = """
SELECT c.table_name, k.relrowsecurity, k.relforcerowsecurity
FROM information_schema.columns c
JOIN pg_class k ON k.relname = c.table_name
JOIN pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
WHERE c.column_name = 'organization_id' AND c.table_schema = current_schema()
  AND k.relkind = 'r'
ORDER BY c.table_name
"""


@pytest.fixture
async def as_app(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine connected as the server's role, as the server connects; one connection,
    so consecutive transactions share it."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, role=tenancy.DEFAULT_APP_ROLE)
    yield engine
    await engine.dispose()


async def _firm(client: Client) -> tuple[User, dict[str, Any], dict[str, Any]]:
    """An owner, their organization and one project in it."""
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org)
    return owner, org, project


async def _forced_rls(url: str) -> dict[str, tuple[bool, bool]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(FORCED_RLS))).all()
    finally:
        await engine.dispose()
    return {name: (bool(enabled), bool(forced)) for name, enabled, forced in rows}


async def test_every_table_with_organization_id_has_forced_row_level_security(
    database_url: str,
) -> None:
    tables = await _forced_rls(database_url)
    assert "projet" in tables and set(tables) >= NOT_TENANT_KEYED
    lacking = {
        name: state
        for name, state in tables.items()
        if name not in NOT_TENANT_KEYED and state != (True, True)
    }
    assert lacking == {}, f"tables with organization_id but no forced RLS: {lacking}"


async def test_the_server_runs_as_a_role_that_row_level_security_holds(
    client: Client, settings: Settings
) -> None:
    async with client.app[SESSIONS]() as session:
        standing = await tenancy.role_standing(session)
        owners = set(await session.scalars(text("SELECT DISTINCT tableowner FROM pg_tables")))
    assert standing.role == settings.database_app_role == tenancy.DEFAULT_APP_ROLE
    assert not standing.superuser and not standing.bypass_rls
    assert standing.owned_tables == 0 and standing.role not in owners
    assert not standing.privileged


async def test_without_a_scope_the_server_role_sees_nothing_and_writes_nothing(
    client: Client, as_app: AsyncEngine
) -> None:
    owner, org, _ = await _firm(client)
    org_id = uuid.UUID(org["id"])
    async with create_session_factory(as_app)() as session:
        assert await session.scalar(select(func.count()).select_from(Projet)) == 0
        assert await organizations.member_user_ids(session, org_id=org_id) == []
        assert await session.scalar(select(func.count()).select_from(UserOrganization)) == 0
    async with create_session_factory(as_app)() as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            await organizations.create_org_channel(
                session, org_id=org_id, name="sneaky", created_by=owner.id
            )


async def test_a_scope_shows_one_organization_and_ends_with_its_transaction(
    client: Client, as_app: AsyncEngine
) -> None:
    _, org_a, project_a = await _firm(client)
    _, org_b, _ = await _firm(client)
    sessions = create_session_factory(as_app)
    async with sessions() as session:
        await tenancy.scope_to_organization(session, uuid.UUID(org_a["id"]))
        seen = list(await session.execute(select(Projet.organization_id, Projet.id)))
        assert seen == [(uuid.UUID(org_a["id"]), uuid.UUID(project_a["id"]))]
        # Another organization's row cannot be written either, named explicitly or not.
        with pytest.raises(DBAPIError, match="row-level security"):
            async with session.begin_nested():
                await organizations.create_org_channel(
                    session, org_id=uuid.UUID(org_b["id"]), name="x", created_by=uuid.uuid4()
                )
        await session.commit()
        # The same session, its next transaction: the setting went with the last one.
        assert await session.scalar(select(func.count()).select_from(Projet)) == 0


async def test_interleaved_transactions_of_two_organizations_on_one_connection_stay_apart(
    client: Client, database_url: str
) -> None:
    firms = [await _firm(client) for _ in range(2)]
    projects = {uuid.UUID(org["id"]): {uuid.UUID(project["id"])} for _, org, project in firms}
    for owner, org, _ in firms:  # a second project each: several rows per tenant
        second = await make_project(client, owner, org)
        projects[uuid.UUID(org["id"])].add(uuid.UUID(second["id"]))
    engine = create_engine(database_url, pool_size=1, max_overflow=0, role=tenancy.DEFAULT_APP_ROLE)
    sessions = create_session_factory(engine)
    backends: set[int] = set()

    async def visit(org_id: uuid.UUID | None) -> None:
        async with sessions() as session, session.begin():
            backends.add(int(await session.scalar(text("SELECT pg_backend_pid()")) or 0))
            if org_id is not None:
                await tenancy.scope_to_organization(session, org_id)
            await asyncio.sleep(0)  # let the other tenants queue for the connection
            rows = set(await session.execute(select(Projet.organization_id, Projet.id)))
            await asyncio.sleep(0)
            again = set(await session.execute(select(Projet.organization_id, Projet.id)))
        expected = set() if org_id is None else {(org_id, p) for p in projects[org_id]}
        assert rows == again == expected

    a, b = projects
    try:
        await asyncio.gather(*(visit([a, b, None][i % 3]) for i in range(30)))
    finally:
        await engine.dispose()
    assert len(backends) == 1  # every transaction took turns on the one connection


async def test_a_new_unit_in_a_shared_transaction_sees_only_the_scope_it_sets(
    client: Client, as_app: AsyncEngine
) -> None:
    owner, org_a, project_a = await _firm(client)
    _, org_b, project_b = await _firm(client)
    async with create_session_factory(as_app)() as session, session.begin():
        # The first unit (group commit: one send) acts as its user, then its organization.
        await tenancy.scope_to_user(session, owner.id)
        await tenancy.scope_to_organization(session, uuid.UUID(org_a["id"]))
        tenancy.new_unit(session)
        # The next unit scopes to another organization: the first one's user is gone.
        await tenancy.scope_to_organization(session, uuid.UUID(org_b["id"]))
        seen = set(await session.execute(select(Projet.organization_id, Projet.id)))
        assert seen == {(uuid.UUID(org_b["id"]), uuid.UUID(project_b["id"]))}
        assert await session.scalar(text("SELECT current_setting('app.user_id', true)")) == ""
        memberships = await session.scalar(select(func.count()).select_from(UserOrganization))
        assert memberships == 1  # org_b's owner only, none of the first unit's user's
        tenancy.new_unit(session)
        await tenancy.scope_to_user(session, owner.id)
        assert await session.scalar(select(func.count()).select_from(Projet)) == 0
    assert project_a["id"] != project_b["id"]


async def test_a_setting_is_made_once_per_transaction_and_again_after_a_savepoint_undid_it(
    client: Client, as_app: AsyncEngine
) -> None:
    _, org_a, project_a = await _firm(client)
    _, org_b, _ = await _firm(client)
    a, b = uuid.UUID(org_a["id"]), uuid.UUID(org_b["id"])
    made: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "set_config" in statement:
            made.append(statement)

    event.listen(as_app.sync_engine, "before_cursor_execute", record)
    sessions = create_session_factory(as_app)

    async def projects(session: AsyncSession) -> set[Any]:
        return set(await session.scalars(select(Projet.id)))

    async with sessions() as session, session.begin():
        await tenancy.scope_to_organization(session, a)
        await tenancy.scope_to_organization(session, a)
        assert len(made) == 1
        savepoint = await session.begin_nested()
        await tenancy.scope_to_organization(session, b)
        await savepoint.rollback()
        # The savepoint's setting went with it: the next scope asks again.
        await tenancy.scope_to_organization(session, a)
        assert len(made) == 2 + 1
        assert await projects(session) == {uuid.UUID(project_a["id"])}
    async with sessions() as session, session.begin():  # a new transaction starts bare
        await tenancy.scope_to_organization(session, a)
        assert len(made) == 4
        assert await projects(session) == {uuid.UUID(project_a["id"])}


async def test_the_user_exception_shows_only_the_users_own_memberships(
    client: Client, as_app: AsyncEngine
) -> None:
    owner, org_a, _ = await _firm(client)
    org_b = await create_org(client, owner)
    stranger, org_c, _ = await _firm(client)
    await add_member(client, stranger, org_c["id"])
    async with create_session_factory(as_app)() as session:
        await tenancy.scope_to_user(session, owner.id)
        mine = set(
            await session.execute(
                select(UserOrganization.user_id, UserOrganization.organization_id)
            )
        )
        assert mine == {(owner.id, uuid.UUID(org_a["id"])), (owner.id, uuid.UUID(org_b["id"]))}
        # Acting as a user opens none of the organizations' other rows.
        assert await session.scalar(select(func.count()).select_from(Projet)) == 0


async def test_a_join_code_is_seen_only_by_whoever_presents_it(
    client: Client, as_app: AsyncEngine
) -> None:
    owner, org, _ = await _firm(client)
    url = f"{org_url(org)}/join-codes"
    codes = [
        await expect(await client.post(url, json={}, headers=owner.headers), 201) for _ in range(2)
    ]
    async with create_session_factory(as_app)() as session:
        assert await join_codes.find_join_code(session, "not-a-code") is None
        found = await join_codes.find_join_code(session, codes[0]["code"])
        assert found is not None and str(found.id) == codes[0]["id"]
        assert [c.id for c in await session.scalars(select(JoinCode))] == [found.id]


async def test_what_a_socket_names_by_id_alone_is_found_in_any_of_the_callers_organizations(
    server: TestServer, http: Client
) -> None:
    """Socket events name a project (or channel, or message) by id only: the server
    looks in each of the caller's organizations in turn, never across tenants."""
    owner, _first_org, _ = await _firm(http)  # so that the project is in a second one
    second = await create_org(http, owner)
    project = await make_project(http, owner, second)
    outsider, _, _ = await _firm(http)
    mine, theirs = await connected(server, owner.access_token), None
    try:
        theirs = await connected(server, outsider.access_token)
        ack = await mine.call("project:subscribe", {"project_id": project["id"]})
        assert ack.get("ok") is True, ack
        ack = await theirs.call("project:subscribe", {"project_id": project["id"]})
        assert ack["error"]["code"] == "not_found"
    finally:
        await mine.close()
        if theirs is not None:
            await theirs.close()


async def test_downgrade_removes_row_level_security_and_upgrade_restores_it(
    scratch_url: str,
) -> None:
    await migrate.upgrade(scratch_url)
    assert set((await _forced_rls(scratch_url)).values()) == {(True, True), (False, False)}
    await migrate.downgrade(scratch_url, "0003")
    assert set((await _forced_rls(scratch_url)).values()) == {(False, False)}
    engine = create_engine(scratch_url)
    try:
        async with engine.connect() as conn:
            policies = await conn.scalar(text("SELECT count(*) FROM pg_policies"))
    finally:
        await engine.dispose()
    assert policies == 0
    await migrate.upgrade(scratch_url)
    assert set((await _forced_rls(scratch_url)).values()) == {(True, True), (False, False)}


async def test_provisioning_the_role_is_idempotent_and_safe_when_concurrent(
    database_url: str,
) -> None:
    """Roles belong to the whole cluster: databases migrated at once, or processes
    migrating one database at start-up, may all provision the role together."""
    role = f"aurentia_test_{uuid.uuid4().hex[:10]}"
    owner = create_engine(database_url, pool_size=3)

    async def provision() -> None:
        async with owner.begin() as conn:
            await conn.run_sync(tenancy.provision_app_role, role)

    try:
        await asyncio.gather(*(provision() for _ in range(3)))
        await migrate.upgrade(database_url, app_role=role)  # again, after the migrations
        engine = create_engine(database_url, role=role)
        try:
            async with create_session_factory(engine)() as session:
                standing = await tenancy.role_standing(session)
                can_login = await session.scalar(
                    text("SELECT rolcanlogin FROM pg_roles WHERE rolname = current_user")
                )
                # Granted the data: a scoped read works (and shows nothing here).
                await tenancy.scope_to_organization(session, uuid.uuid4())
                assert await session.scalar(select(func.count()).select_from(Projet)) == 0
        finally:
            await engine.dispose()
        assert standing.role == role and not standing.privileged and can_login is False
    finally:
        await owner.dispose()
        await _drop_role(database_url, role)


async def test_an_owner_that_is_no_superuser_migrates_and_is_held_by_forced_policies(
    database_url: str,
) -> None:
    """The production shape without a superuser: DATABASE_URL's user owns the database
    (CREATEROLE to create the server's role), migrates it, and is itself held by the
    policies because they are forced; the server's role is created for it and usable."""
    suffix = uuid.uuid4().hex[:10]
    owner, app_role, name = f"rls_owner_{suffix}", f"rls_app_{suffix}", f"rls_db_{suffix}"
    admin = create_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"CREATE ROLE {owner} LOGIN CREATEROLE"))
        await conn.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
    url = make_url(database_url).set(username=owner, database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        await migrate.upgrade(url_text, app_role=app_role)
        for role in (app_role, None):
            engine = create_engine(url_text, role=role)
            try:
                async with create_session_factory(engine)() as session:
                    standing = await tenancy.role_standing(session)
                    assert await session.scalar(select(func.count()).select_from(Projet)) == 0
                    await tenancy.scope_to_organization(session, uuid.uuid4())
                    assert await session.scalar(select(func.count()).select_from(Projet)) == 0
            finally:
                await engine.dispose()
            assert standing.role == (role or owner) and not standing.superuser
            assert standing.privileged is (role is None)  # the owner, not the server
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f"DROP ROLE IF EXISTS {app_role}"))
            await conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        await admin.dispose()


async def _drop_role(database_url: str, role: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP OWNED BY {role}"))
            await conn.execute(text(f"DROP ROLE {role}"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("postgres", "DATABASE_APP_ROLE 'postgres' bypasses Row Level Security"),
        ("no_such_role_here", "cannot connect as DATABASE_APP_ROLE 'no_such_role_here'"),
    ],
)
async def test_serve_refuses_a_role_that_row_level_security_would_not_hold(
    database_url: str, tmp_path: Any, role: str, says: str
) -> None:
    env = _env(
        DATABASE_URL=database_url,
        JWT_SECRET="x" * 40,
        DATABASE_APP_ROLE=role,
        PORT=str(_free_port()),
    )
    code, _, err = await _run("serve", "--no-migrate", env=env, cwd=tmp_path)
    assert code != 0
    assert says in err and len(err.strip().splitlines()) == 1, err
