"""alerts and notification preferences

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

`alert_states`: one row per (organization, kind, subject) holding the state last
alerted (a project's health colour, a drift's severity, a risk's level, an invoice's
lateness, a budget's threshold, a validator's digest day), so the periodic job alerts
once per transition and a re-run changes nothing. Row Level Security on PostgreSQL like
every tenant table (0004's policy).

`notification_preferences`: a user's channel (`in_app`, `email`, `off`) for one
notification type when not the default; the user's own rows across organizations, so no
organization policy (like 0007's account tables). Both engines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORG = "organization_id = NULLIF(current_setting('app.org_id', true), '')::uuid"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "alert_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alert_states_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_states")),
        sa.UniqueConstraint(
            "organization_id",
            "kind",
            "subject_id",
            name=op.f("uq_alert_states_organization_id_kind_subject_id"),
        ),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('in_app', 'email', 'off')",
            name=op.f("ck_notification_preferences_channel"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profiles.id"],
            name=op.f("fk_notification_preferences_user_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "type", name=op.f("pk_notification_preferences")),
    )
    op.create_index(op.f("ix_alert_states_organization_id"), "alert_states", ["organization_id"])
    if _postgres():
        op.execute("ALTER TABLE alert_states ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE alert_states FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON alert_states USING ({_ORG}) WITH CHECK ({_ORG})"
        )


def downgrade() -> None:
    if _postgres():
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON alert_states")
    op.drop_index(op.f("ix_alert_states_organization_id"), table_name="alert_states")
    op.drop_table("alert_states")
    op.drop_table("notification_preferences")
