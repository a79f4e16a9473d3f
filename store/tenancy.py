"""Database-enforced tenancy on PostgreSQL: the settings Row Level Security reads, and
the unprivileged role the server runs as (docs/tenancy-rls.md).

Migration 0004 puts every organization's rows behind a policy comparing
`organization_id` with the transaction's `app.org_id`; a few narrow policies let a
transaction read rows keyed by something else it already holds (its user's own
memberships and notifications, a join code or invitation by its secret). Each setting is
made with `set_config(name, value, true)`: local to the transaction, so a pooled
connection never carries one into the next transaction. SQLite has no Row Level
Security: every function here is a no-op there and the application's scoping is the
only wall.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

from .db import is_sqlite

ORG_SETTING = "app.org_id"
USER_SETTING = "app.user_id"
JOIN_CODE_SETTING = "app.join_code"
INVITATION_SETTING = "app.invitation_token_hash"

DEFAULT_APP_ROLE = "aurentia_app"
# A plain lower-case identifier: it is spelled into GRANT and CREATE ROLE statements.
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


_SCOPE = "tenancy.scope"


@dataclass
class _Scope:
    """The settings one transaction made through this module (kept in Session.info)."""

    transaction: object  # the root SessionTransaction they belong to
    # name -> value, where known for certain: a setting made in a savepoint is not kept
    # here, since rolling the savepoint back undoes it.
    values: dict[str, str] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  # every name set, certain or not
    stale: set[str] = field(default_factory=set)  # what the next setting must empty


def _scope(session: AsyncSession) -> _Scope:
    root = session.sync_session.get_transaction()
    scope = session.info.get(_SCOPE)
    if scope is None or root is None or scope.transaction is not root:
        scope = _Scope(root)
        session.info[_SCOPE] = scope
    return scope


async def _set(session: AsyncSession, name: str, value: str) -> None:
    """Make one setting; nothing to do when this transaction already holds that value
    (a send's unit after another of the same organization, a second look-up)."""
    if is_sqlite(session):
        return
    scope = _scope(session)
    stale = sorted(scope.stale - {name})
    nested = session.in_nested_transaction()
    if not stale and not nested and scope.values.get(name) == value:
        scope.stale.clear()
        return
    # Pending writes are checked against the scope they were made in, not the next one.
    await session.flush()
    if not stale:
        statement, params = "SELECT set_config(:name, :value, true)", {}
    else:  # one round trip still: the new setting and the previous unit's others, emptied
        cleared = ", ".join(f"set_config(:stale{i}, '', true)" for i in range(len(stale)))
        statement = f"SELECT set_config(:name, :value, true), {cleared}"
        params = {f"stale{i}": n for i, n in enumerate(stale)}
    await session.execute(text(statement), {"name": name, "value": value, **params})
    scope = _scope(session)  # the statement may have begun the transaction
    scope.stale.clear()
    scope.touched.add(name)
    for made, now in [(name, value), *((done, "") for done in stale)]:
        if nested:
            scope.values.pop(made, None)
        else:
            scope.values[made] = now


def new_unit(session: AsyncSession) -> None:
    """Another unit of work begins in this transaction (group commit: several sends share
    one). The scope it inherits is the previous unit's, so its first setting also empties
    every other one made before it; such a unit must scope itself before its first read,
    as every service does (policy.enter_organization / act_as)."""
    scope = _scope(session)
    scope.stale = {n for n in scope.touched if scope.values.get(n) != ""}


async def scope_to_organization(session: AsyncSession, org_id: uuid.UUID) -> None:
    """From here to the end of the transaction, only `org_id`'s rows exist. Called by
    server/policy.py, where a transaction learns its organization."""
    await _set(session, ORG_SETTING, str(org_id))


async def scope_to_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Let the transaction read `user_id`'s own memberships and notifications in every
    organization (and nothing else of those organizations)."""
    await _set(session, USER_SETTING, str(user_id))


async def present_join_code(session: AsyncSession, code: str) -> None:
    """Let the transaction read the one join code whose code it holds."""
    await _set(session, JOIN_CODE_SETTING, code)


async def present_invitation(session: AsyncSession, token_hash: str) -> None:
    """Let the transaction read the one invitation whose token it holds."""
    await _set(session, INVITATION_SETTING, token_hash)


def check_role_name(role: str) -> str:
    if not ROLE_NAME.match(role):
        raise ValueError(f"{role!r} is not a plain lower-case role name")
    return role


# Run as the migrating user (the tables' owner), after the migrations. Roles belong to
# the cluster, not to the database: several databases (or concurrent test runs) may
# create the same role at once, hence the exception handler.
_CREATE_ROLE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$
"""

# A superuser may SET ROLE to anyone; any other migrating user must be a member.
_GRANT_MEMBERSHIP = """
DO $$
BEGIN
    IF NOT pg_has_role(current_user, '{role}', 'USAGE') THEN
        GRANT {role} TO CURRENT_USER;
    END IF;
END
$$
"""


def provision_app_role(conn: Connection, role: str) -> None:
    """Create the server's role if missing and grant it the data, nothing more: rows of
    every table and the sequences, but no ownership, no DDL and not the migrations'
    bookkeeping. Idempotent; store.migrate runs it after every upgrade so tables added
    by later migrations are granted too."""
    role = check_role_name(role)
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    conn.exec_driver_sql(_CREATE_ROLE.format(role=role))
    # Two processes migrating the same database at once (auto-migrate on start-up) would
    # otherwise update the same catalog rows concurrently.
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('aurentia:provision_app_role'))")
    conn.exec_driver_sql(_GRANT_MEMBERSHIP.format(role=role))
    quoted = conn.dialect.identifier_preparer.quote(schema)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quoted} TO {role}")
    conn.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quoted} TO {role}"
    )
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted} TO {role}")
    conn.exec_driver_sql(f"REVOKE ALL ON {quoted}.alembic_version FROM {role}")


@dataclass(frozen=True)
class RoleStanding:
    """What the connection's current role may do that Row Level Security would not stop."""

    role: str
    superuser: bool
    bypass_rls: bool
    owned_tables: int

    @property
    def privileged(self) -> bool:
        return self.superuser or self.bypass_rls or self.owned_tables > 0


async def role_standing(session: AsyncSession) -> RoleStanding:
    """The current role's attributes, and how many tables of the schema it owns (by
    itself or through a role whose privileges it inherits: an owner is exempt from
    policies unless they are forced, and can always switch them off)."""
    row = (
        await session.execute(
            text(
                "SELECT current_user, r.rolsuper, r.rolbypassrls, "
                "(SELECT count(*) FROM pg_tables t WHERE t.schemaname = current_schema() "
                " AND pg_has_role(current_user, t.tableowner, 'USAGE')) "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        )
    ).one()
    return RoleStanding(str(row[0]), bool(row[1]), bool(row[2]), int(row[3]))
