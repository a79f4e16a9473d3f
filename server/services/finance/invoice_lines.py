"""The lines of an invoice that bills a period's validated time: one per person, their
validated hours on the project at their daily sale rate / `HOURS_PER_DAY`, each amount
rounded half-up to the cent once (the invoice's amount is the sum of the lines)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import FieldError, validation_error
from store import invoices

from ..core import invalid
from .invoice_xml import Line

CENT = Decimal("0.01")
PRICE = Decimal("0.0001")


async def time_lines(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    start: date,
    end: date,
    hours_per_day: Decimal,
    where: str,
) -> list[Line]:
    """422 (at `[where, "periode_debut"]`) without validated time in the period, and
    naming each person whose time has no sale rate to bill it at."""
    billed = await invoices.validated_time(
        session, org_id=org_id, project_id=project_id, start=start, end=end
    )
    if not billed:
        raise invalid([where, "periode_debut"], "no validated time in the period")
    unpriced = [
        FieldError(loc=["time", str(b.profile_id)], msg=f"{b.prenom} {b.nom} has no sale rate")
        for b in billed
        if b.daily_rate is None
    ]
    if unpriced:
        raise validation_error(unpriced, "validated time without a sale rate cannot be billed")
    period = f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    lines = []
    for b in billed:
        rate = Decimal(b.daily_rate or 0)
        lines.append(
            Line(
                label=f"Conseil {b.prenom} {b.nom} {period}",
                quantity=b.hours,
                unit="HUR",
                unit_price=(rate / hours_per_day).quantize(PRICE, rounding=ROUND_HALF_UP),
                amount=(b.hours * rate / hours_per_day).quantize(CENT, rounding=ROUND_HALF_UP),
            )
        )
    return lines


def total(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))
