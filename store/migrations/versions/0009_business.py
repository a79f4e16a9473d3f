"""the firm's time zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

organizations.timezone: the IANA zone in which the firm's "today" is read (late invoices,
overdue milestones, timesheet weeks, the analytics job's day). Existing organizations get
Europe/Paris, the default of new ones. Both engines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organizations",
        sa.Column("timezone", sa.Text(), nullable=False, server_default="Europe/Paris"),
    )


def downgrade() -> None:
    op.drop_column("organizations", "timezone")
