"""job rounds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Which round of a periodic job was claimed, by name (store.models.JobRound). Replaces
the session-level advisory lock the job held on PostgreSQL without Redis: a session lock
does not survive a transaction-mode pooler (PgBouncer hands the next statement to another
server connection), while this claim is one upsert in one transaction. Both engines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_rounds",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("last_round", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_rounds")
