"""A project's budget (`budget_projet`): at most one per project."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from .models import BudgetProjet
from .scoped import Scoped, insert_row, update_row

table = Scoped(BudgetProjet)


async def get_budget(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> BudgetProjet | None:
    return await session.scalar(table.where(org_id, project_id))


async def put_budget(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, values: dict[str, Any]
) -> tuple[BudgetProjet, bool]:
    """Create the project's budget or replace its figures; True when created. The
    caller holds the project's row lock, so two concurrent first PUTs cannot both insert."""
    budget = await get_budget(session, org_id=org_id, project_id=project_id)
    created = budget is None
    if budget is None:
        budget = await insert_row(
            session, BudgetProjet(organization_id=org_id, projet_id=project_id, **values)
        )
    else:
        await update_row(session, budget, values)
    await session.refresh(budget)
    return budget, created
