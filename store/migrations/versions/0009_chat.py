"""chat: archived channels, mutes, threads, pins and the REPLY notification

Revision ID: 0009_chat
Revises: 0005
Create Date: 2026-12-07

- `organization_channels.archived_at`: an archived channel is still read but refuses
  new messages.
- `channel_read_states.muted`: the per-user mute (the row is the user's own view of a
  channel, so the setting lives beside the read pointer).
- `reply_count`, `last_reply_at` (a thread's root), `pinned_at`, `pinned_by` on both
  message tables, and an index per table for a channel's pins.
- `notifications.type` accepts `REPLY`.

Columns are added in place (no table rebuild of the message tables on SQLite, so the
FTS triggers of 0002 are untouched); Row Level Security already covers every table on
PostgreSQL. Only `notifications` is rebuilt on SQLite (batch mode), to change its CHECK.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_chat"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration never follows later code.
_TYPES = (
    "INFO SUCCESS WARNING ERROR TASK_ASSIGNED TASK_COMPLETED PROJECT_UPDATE "
    "MILESTONE_REACHED MENTION DIRECT_MESSAGE TIME_VALIDATED TIME_REJECTED INVITATION SYSTEM"
).split()
_PINS = {
    "channel_messages": ["channel_type", "channel_id", "pinned_at"],
    "direct_messages": ["conversation_id", "pinned_at"],
}


def _types_check(types: list[str]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _set_notification_types(types: list[str]) -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_type"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_type"), _types_check(types))


def upgrade() -> None:
    op.add_column(
        "organization_channels",
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "channel_read_states",
        sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    for table, columns in _PINS.items():
        op.add_column(table, sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("pinned_by", sa.Uuid(), nullable=True))
        op.create_index(f"ix_{table}_pins", table, columns)
    _set_notification_types([*_TYPES, "REPLY"])


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE type = 'REPLY'")
    _set_notification_types(_TYPES)
    for table in _PINS:
        op.drop_index(f"ix_{table}_pins", table_name=table)
        for column in ("pinned_by", "pinned_at", "last_reply_at", "reply_count"):
            op.drop_column(table, column)
    op.drop_column("channel_read_states", "muted")
    op.drop_column("organization_channels", "archived_at")
