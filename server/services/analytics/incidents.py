"""A project's incidents: read by the project's readers (a CLIENT member on their own
projects too), reported and updated by those who edit its tasks (managers and above,
the project lead, staffed consultants), deleted by managers and above.

Moving an incident to RESOLU or FERME stamps `date_resolution` (now unless given, never
before `date_ouverture`); moving it back to OUVERT or EN_COURS clears it. Open incidents
(OUVERT, EN_COURS) weigh on the project's health and quality risk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from protocol.analytics import IncidentCreate, IncidentOut
from protocol.enums import IncidentStatus
from store import incidents
from store.models import Incident

from ...actor import Actor
from ..core import invalid
from ..resource import ProjectResource, require_manager

CLOSED = {IncidentStatus.RESOLU, IncidentStatus.FERME}


def _reported(actor: Actor, req: IncidentCreate) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        **req.model_dump(),
        "severite": req.severite.value,
        "statut": req.statut.value,
        "date_ouverture": now,
        "reported_by": actor.user_id,
        "date_resolution": now if req.statut in CLOSED else None,
    }


def _resolution(row: Incident, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with `date_resolution` following the status it leaves the incident in."""
    status = IncidentStatus(values.get("statut", row.statut))
    if status not in CLOSED:
        if values.get("date_resolution") is not None:
            raise invalid(["body", "date_resolution"], "only a resolved or closed incident has one")
        return {**values, "date_resolution": None}
    resolved = values.get("date_resolution") or row.date_resolution or datetime.now(UTC)
    if resolved < row.date_ouverture:
        raise invalid(["body", "date_resolution"], "may not precede date_ouverture")
    return {**values, "date_resolution": resolved}


INCIDENTS: ProjectResource[Incident, IncidentOut] = ProjectResource(
    name="incident",
    table=incidents.table,
    out=IncidentOut,
    label="titre",
    filters=("statut", "severite"),
    remove=require_manager,
    new_fields=_reported,
    new_values=_resolution,
)
