"""Alembic environment: always driven by store.migrate with a connection in hand."""

from __future__ import annotations

from alembic import context

import store.models  # noqa: F401  (registers every table)
from store.migrate import include_name
from store.models.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `aurentia db ...` (store.migrate), not bare alembic")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
