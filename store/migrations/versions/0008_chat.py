"""chat: archived channels, mutes, threads, pins and the REPLY notification

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

- `organization_channels.archived_at`: an archived channel is still read but refuses
  new messages.
- `channel_read_states.muted`: the per-user mute (the row is the user's own view of a
  channel, so the setting lives beside the read pointer).
- `reply_count`, `last_reply_at` (a thread's root), `pinned_at`, `pinned_by` on both
  message tables, and an index per table for a channel's pins.
- `notifications.type` accepts `REPLY`.
- `uploads`: files shared in messages (their bytes are in the storage backend), with
  Row Level Security on PostgreSQL like every tenant table (0004's policy).
- Search (store/search.py, store/text_search.py): accents ignored and French stems on
  both engines, over messages, tasks, projects and clients. PostgreSQL: the `unaccent`
  extension and a text-search configuration `aurentia_french` (french with `unaccent`
  before `french_stem`), and GIN expression indexes on it (0002's `french` ones are
  replaced). SQLite: FTS5 tables holding the stemmed text (`aurentia_stem()`, the SQL
  function every connection registers), kept by triggers; 0002's external-content
  tables for messages are replaced by tables of the same names.

Columns are added in place (no table rebuild of the message tables on SQLite, so the
FTS triggers of 0002 are untouched); Row Level Security already covers every table on
PostgreSQL. Only `notifications` is rebuilt on SQLite (batch mode), to change its CHECK.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
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


# Searched text per table, as SQL over the row (`{row}` is `new`, `old` or the table).
_SEARCHED = {
    "channel_messages": "{row}.content",
    "direct_messages": "{row}.content",
    "tache": "coalesce({row}.nom, '') || ' ' || coalesce({row}.description, '')",
    "projet": "coalesce({row}.nom, '') || ' ' || coalesce({row}.description, '')",
    "client": (
        "coalesce({row}.nom, '') || ' ' || coalesce({row}.contact_principal, '') || ' ' "
        "|| coalesce({row}.secteur, '')"
    ),
}
_SEARCHED_COLUMNS = {
    "channel_messages": "content",
    "direct_messages": "content",
    "tache": "nom, description",
    "projet": "nom, description",
    "client": "nom, contact_principal, secteur",
}
_OLD_TOKENIZER = "porter unicode61 remove_diacritics 2"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _pg_search_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION aurentia_french (COPY = french)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION aurentia_french "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"
    )
    for table, expression in _SEARCHED.items():
        if table.endswith("messages"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_content_fts")
            name = f"ix_{table}_content_fts"
        else:
            name = f"ix_{table}_search_fts"
        body = expression.format(row=table).replace(f"{table}.", "")
        op.execute(
            f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('aurentia_french', {body}))"
        )


def _pg_search_downgrade() -> None:
    for table in _SEARCHED:
        if table.endswith("messages"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_content_fts")
            op.execute(
                f"CREATE INDEX ix_{table}_content_fts ON {table} "
                "USING gin (to_tsvector('french', content))"
            )
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_fts")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS aurentia_french")


def _drop_sqlite_fts(table: str) -> None:
    fts = f"{table}_fts"
    for suffix in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_{fts}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {fts}")


def _sqlite_search_upgrade() -> None:
    for table, expression in _SEARCHED.items():
        fts = f"{table}_fts"
        _drop_sqlite_fts(table)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
        )
        new, old = expression.format(row="new"), expression.format(row="old")
        op.execute(
            f"CREATE TRIGGER trg_{fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, body) VALUES (new.rowid, aurentia_stem({new})); END"
        )
        op.execute(
            f"CREATE TRIGGER trg_{fts}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {fts} WHERE rowid = old.rowid; END"
        )
        op.execute(
            f"CREATE TRIGGER trg_{fts}_update AFTER UPDATE OF {_SEARCHED_COLUMNS[table]} "
            f"ON {table} WHEN ({new}) IS NOT ({old}) BEGIN "
            f"UPDATE {fts} SET body = aurentia_stem({new}) WHERE rowid = new.rowid; END"
        )
        op.execute(
            f"INSERT INTO {fts}(rowid, body) "
            f"SELECT rowid, aurentia_stem({expression.format(row=table)}) FROM {table}"
        )


def _sqlite_search_downgrade() -> None:
    """Back to 0002's external-content tables of raw message text."""
    for table in _SEARCHED:
        _drop_sqlite_fts(table)
    for table in ("channel_messages", "direct_messages"):
        fts = f"{table}_fts"
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(content, content='{table}', "
            f"content_rowid='rowid', tokenize='{_OLD_TOKENIZER}')"
        )
        op.execute(
            f"CREATE TRIGGER trg_{fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
        )
        op.execute(
            f"CREATE TRIGGER trg_{fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, content) VALUES ('delete', old.rowid, old.content); "
            "END"
        )
        op.execute(
            f"CREATE TRIGGER trg_{fts}_update AFTER UPDATE OF content ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, content) VALUES ('delete', old.rowid, old.content); "
            f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


_ORG = "organization_id = NULLIF(current_setting('app.org_id', true), '')::uuid"


def _create_uploads() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnail_key", sa.Text(), nullable=True),
        sa.Column("channel_message_id", sa.Uuid(), nullable=True),
        sa.Column("direct_message_id", sa.Uuid(), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel_message_id IS NULL OR direct_message_id IS NULL",
            name=op.f("ck_uploads_one_message"),
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_uploads_size_non_negative")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_uploads_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["profiles.id"],
            name=op.f("fk_uploads_uploader_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_message_id"],
            ["channel_messages.id"],
            name=op.f("fk_uploads_channel_message_id_channel_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["direct_message_id"],
            ["direct_messages.id"],
            name=op.f("fk_uploads_direct_message_id_direct_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_uploads_storage_key")),
    )
    for columns in (
        ["organization_id"],
        ["uploader_id"],
        ["channel_message_id"],
        ["direct_message_id"],
    ):
        op.create_index(op.f(f"ix_uploads_{columns[0]}"), "uploads", columns)
    op.create_index("ix_uploads_unattached", "uploads", ["attached_at", "created_at"])
    if _postgres():
        op.execute("ALTER TABLE uploads ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE uploads FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON uploads USING ({_ORG}) WITH CHECK ({_ORG})")


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
    _create_uploads()
    if _postgres():
        _pg_search_upgrade()
    else:
        _sqlite_search_upgrade()


def downgrade() -> None:
    if _postgres():
        _pg_search_downgrade()
    else:
        _sqlite_search_downgrade()
    op.drop_table("uploads")
    op.execute("DELETE FROM notifications WHERE type = 'REPLY'")
    _set_notification_types(_TYPES)
    for table in _PINS:
        op.drop_index(f"ix_{table}_pins", table_name=table)
        for column in ("pinned_by", "pinned_at", "last_reply_at", "reply_count"):
            op.drop_column(table, column)
    op.drop_column("channel_read_states", "muted")
    op.drop_column("organization_channels", "archived_at")
