"""messages: one index on (organization_id, created_at) instead of created_at alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Message search ranks an organization's newest matches by scanning `created_at`
backwards (store/search.py). On `created_at` alone that scan walks every organization's
messages from the newest: an organization whose messages are not the newest in the table
read past all the others' (225 ms for a common word behind 1M newer messages of another
organization, 570 ms for a word found nowhere). On `(organization_id, created_at)` it
starts at the organization's own newest message: 5 ms for the same query. Every query of
the server is within one organization, so the single-column index served nothing else;
the schema's "index on created_at for time-based queries" is this one, per organization
(docs/data-model.md).

PostgreSQL only, extended statistics: a channel belongs to one organization, but the
planner took the organization and the channel as independent filters, estimated a
quarter of the matches where there were half, and for a word in 2 % of the messages
chose a bitmap of the whole organization and a sort (90 ms) over the backward scan
(9 ms). `dependencies` statistics on (organization_id, channel_type, channel_id) tell it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_STATISTICS = "st_channel_messages_channel_organization"


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    op.create_index(
        "ix_channel_messages_organization_id_created_at",
        "channel_messages",
        ["organization_id", "created_at"],
    )
    op.drop_index("ix_channel_messages_created_at", table_name="channel_messages")
    if _postgresql():
        op.execute(
            f"CREATE STATISTICS {_STATISTICS} (dependencies) "
            "ON organization_id, channel_type, channel_id FROM channel_messages"
        )
        op.execute("ANALYZE channel_messages")


def downgrade() -> None:
    if _postgresql():
        op.execute(f"DROP STATISTICS IF EXISTS {_STATISTICS}")
    op.create_index("ix_channel_messages_created_at", "channel_messages", ["created_at"])
    op.drop_index("ix_channel_messages_organization_id_created_at", table_name="channel_messages")
