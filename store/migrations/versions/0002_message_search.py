"""message search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Full-text search over `channel_messages` and `direct_messages` (store/search.py).

PostgreSQL: a GIN expression index on `to_tsvector('french', content)` per table; the
search query spells the very same expression, so the planner can use the index.

SQLite: an external-content FTS5 table per message table (`<table>_fts`, tokenizer
`porter unicode61 remove_diacritics 2`), keyed by the message row's rowid and kept in sync
by AFTER INSERT / UPDATE OF content / DELETE triggers, backfilled here with 'rebuild'.
The rowid of these tables is implicit, so anything that renumbers it (VACUUM, or a later
migration rebuilding the table in Alembic batch mode, which also drops the triggers) must
recreate the triggers and run 'rebuild' again (store.search.rebuild_sqlite_index).

None of these objects is in the models: store.migrate.include_name keeps them out of the
autogenerate comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration never follows later code.
TABLES = ("channel_messages", "direct_messages")
TOKENIZER = "porter unicode61 remove_diacritics 2"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sqlite_upgrade(table: str) -> None:
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(content, content='{table}', "
        f"content_rowid='rowid', tokenize='{TOKENIZER}')"
    )
    op.execute(
        f"CREATE TRIGGER trg_{fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
    )
    # External content: 'delete' must be given exactly what was indexed (the old row).
    op.execute(
        f"CREATE TRIGGER trg_{fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, content) VALUES ('delete', old.rowid, old.content); "
        "END"
    )
    # Only when `content` is set: the updated_at trigger's own UPDATE does not fire this.
    op.execute(
        f"CREATE TRIGGER trg_{fts}_update AFTER UPDATE OF content ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, content) VALUES ('delete', old.rowid, old.content); "
        f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade() -> None:
    for table in TABLES:
        if _postgres():
            op.execute(
                f"CREATE INDEX ix_{table}_content_fts ON {table} "
                "USING gin (to_tsvector('french', content))"
            )
        else:
            _sqlite_upgrade(table)


def downgrade() -> None:
    for table in TABLES:
        if _postgres():
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_content_fts")
            continue
        fts = f"{table}_fts"
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
