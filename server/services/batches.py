"""An export's rows, batch by batch: each batch read in a short session of its own, so a
slow download holds no transaction open.

Access is checked once, when the export begins (a refusal is then a plain error
answer); each batch is a new transaction, scoped to the organization again.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ..policy import enter_organization
from .core import Services

T = TypeVar("T")

Read = Callable[[AsyncSession, str | None], Awaitable[tuple[list[T], str | None]]]


async def batches(svc: Services, org_id: uuid.UUID, read: Read[T]) -> AsyncIterator[list[T]]:
    """Every page `read(session, cursor)` gives, from the first to the last."""
    cursor: str | None = None
    while True:
        async with svc.sessions() as session:
            await enter_organization(session, org_id)
            rows, cursor = await read(session, cursor)
        yield rows
        if cursor is None:
            return
