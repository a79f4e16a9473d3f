"""row level security

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

PostgreSQL only (a no-op on SQLite, which has no Row Level Security): every table that
holds an organization's rows gets ENABLE and FORCE ROW LEVEL SECURITY and a policy
`tenant_isolation` that shows and accepts only the rows of the organization the
transaction is scoped to (`app.org_id`, set by store.tenancy with set_config(..., true)).
Unset, the comparison is NULL and no row passes: a transaction that forgot to scope
itself sees nothing and writes nothing.

NULLIF: once a connection has seen the setting, it reads back '' (not NULL) in later
transactions, and ''::uuid would be an error rather than "no row".

Narrow exceptions, each for a legitimate read keyed by something other than the
organization (docs/tenancy-rls.md says why each is safe):
- user_organizations, `own_memberships`: SELECT of the rows of `app.user_id` (a user
  lists their organizations before any organization is chosen).
- notifications, `own_notifications_*`: SELECT and UPDATE of `app.user_id`'s own rows
  (the notification list and "mark read" span the user's organizations).
- join_codes, `join_code_by_code`: SELECT of the row whose code is `app.join_code` (the
  code is looked up before its organization is known; the code is the credential).
- organization_invitations, `invitation_by_token`: SELECT of the row whose token hash
  is `app.invitation_token_hash` (same, for an invitation's token).

`profiles.organization_id` is the user's preferred organization, not an owner: a profile
belongs to its user and is read across organizations, so profiles are not listed here.
The table list is frozen on purpose (a migration never follows later code); the test
tests/store/test_row_level_security.py fails when a table with `organization_id` lacks
forced Row Level Security.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "activity_logs",
    "affectation",
    "budget_projet",
    "channel_messages",
    "channel_read_states",
    "channel_sequences",
    "client",
    "competence",
    "consultant_details",
    "detection_derive",
    "direct_messages",
    "facture",
    "group_chat_members",
    "group_chats",
    "idempotency_keys",
    "incident",
    "join_codes",
    "livrable",
    "message_reactions",
    "milestone_assignments",
    "milestone_dependencies",
    "milestone_tasks",
    "milestones",
    "notifications",
    "organization_channels",
    "organization_invitations",
    "prediction_risque",
    "profile_competences",
    "project_channels",
    "projet",
    "recommandation_action",
    "score_sante_projet",
    "tache",
    "temps_passe",
    "user_organizations",
)


def _setting(name: str) -> str:
    return f"NULLIF(current_setting('{name}', true), '')"


ORG = f"organization_id = {_setting('app.org_id')}::uuid"
USER = f"user_id = {_setting('app.user_id')}::uuid"

# (table, policy, command, USING, WITH CHECK)
EXCEPTIONS = (
    ("user_organizations", "own_memberships", "SELECT", USER, None),
    ("notifications", "own_notifications_select", "SELECT", USER, None),
    ("notifications", "own_notifications_update", "UPDATE", USER, USER),
    ("join_codes", "join_code_by_code", "SELECT", f"code = {_setting('app.join_code')}", None),
    (
        "organization_invitations",
        "invitation_by_token",
        "SELECT",
        f"token_hash = {_setting('app.invitation_token_hash')}",
        None,
    ),
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({ORG}) WITH CHECK ({ORG})"
        )
    for table, name, command, using, check in EXCEPTIONS:
        with_check = f" WITH CHECK ({check})" if check else ""
        op.execute(f"CREATE POLICY {name} ON {table} FOR {command} USING ({using}){with_check}")


def downgrade() -> None:
    if not _postgres():
        return
    for table, name, *_ in EXCEPTIONS:
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
