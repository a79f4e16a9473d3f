"""message search under 50 ms on 1M messages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

PostgreSQL only (SQLite's FTS5 tables are unchanged). Measured with `python -m bench.run
--modes search` on 1M messages (bench/RESULTS.md, "Search"):

- The server runs as a role under Row Level Security, and PostgreSQL applies a query's
  conditions only after the policy's unless they are LEAKPROOF: `@@` was not, so the GIN
  index was never used and every search read and parsed the whole organization (0.5 s on
  20,000 messages, tens of seconds on 1M). `ts_match_vq` (the `tsvector @@ tsquery`
  operator) is marked LEAKPROOF in this database: it returns whether a row's vector
  matches and raises no error that depends on the row (docs/tenancy-rls.md). Only a
  superuser may do so; another migrating role gets a warning and a slow search.
- Messages keep their parsed text in a stored generated column `search_vector`
  (`to_tsvector('aurentia_french', content)`), GIN-indexed instead of the expression:
  ranking and rechecking (phrases) no longer parse each candidate's text again (~30 µs a
  row), which made a common word cost seconds. The column is not in the models
  (store.search lists it for the autogenerate comparison).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("channel_messages", "direct_messages")
_MATCH = "pg_catalog.ts_match_vq(tsvector, tsquery)"


def _leakproof(flag: str) -> None:
    op.execute(
        "DO $$ BEGIN "
        "IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN "
        f"ALTER FUNCTION {_MATCH} {flag}; "
        "ELSE RAISE WARNING 'not a superuser: % not marked %, so searches cannot use their "
        f"index under row level security', '{_MATCH}', '{flag}'; "
        "END IF; END $$"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        # Dropped first: the column's table rewrite would rebuild it only to drop it.
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_content_fts")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('aurentia_french'::regconfig, content)) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_content_fts ON {table} USING gin (search_vector)")
    _leakproof("LEAKPROOF")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _leakproof("NOT LEAKPROOF")
    for table in _TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_content_fts")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute(
            f"CREATE INDEX ix_{table}_content_fts ON {table} "
            "USING gin (to_tsvector('aurentia_french', content))"
        )
