"""chat: archived organization channels and muted channels

Revision ID: 0009_chat
Revises: 0005
Create Date: 2026-12-07

`organization_channels.archived_at`: an archived channel is still read but refuses new
messages. `channel_read_states.muted`: the per-user mute (the row is the user's own view
of a channel, so the setting lives beside the read pointer; a muted channel notifies only
on mentions). Plain column additions: no table rebuild on SQLite, so the FTS triggers of
0002 are untouched, and Row Level Security already covers both tables on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_chat"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organization_channels",
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "channel_read_states",
        sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("channel_read_states", "muted")
    op.drop_column("organization_channels", "archived_at")
