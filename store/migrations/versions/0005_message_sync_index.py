"""message sync index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

`sync` reports the messages at or before a cursor that changed after the cursor's
message was sent (`updated_at > since AND seq <= cursor`, store.messages.changed_since).
Through the seq index that walked the whole channel (467 ms on a channel of 1M
messages); these indexes make it a range scan over the rows changed or created since,
with the seq bound checked in the index itself. Both engines.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_channel_messages_sync",
        "channel_messages",
        ["channel_type", "channel_id", "updated_at", "seq"],
    )
    op.create_index(
        "ix_direct_messages_sync", "direct_messages", ["conversation_id", "updated_at", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_direct_messages_sync", table_name="direct_messages")
    op.drop_index("ix_channel_messages_sync", table_name="channel_messages")
