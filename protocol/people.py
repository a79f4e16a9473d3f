"""Consultants (`consultant_details`), the skills catalogue (`competence`), each person's
skills (`profile_competences`) and the staffing search.

Daily rates (`taux_journalier_cout`, `taux_journalier_vente`) are money: decimal strings
in JSON (`"650.00"`), sent as numbers or strings. They appear in answers only for callers
who see financials (OWNER, ADMIN, MANAGER); for everyone else the two keys are absent.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from .common import Day, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import ConsultantStatus

# Numeric(12, 2): up to 9 999 999 999.99 a day.
DailyRate = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Level = Annotated[int, Field(ge=1, le=5)]
JobTitle = Annotated[str, Field(min_length=1, max_length=200)]

RATE_FIELDS = ("taux_journalier_cout", "taux_journalier_vente")


class ConsultantDetailsIn(Request):
    """Employment details of a member of the organization (the full set, for PUT)."""

    date_embauche: Day
    taux_journalier_cout: DailyRate
    taux_journalier_vente: DailyRate | None = None
    statut: ConsultantStatus = ConsultantStatus.AVAILABLE
    job_title: JobTitle | None = None


class ConsultantCreate(ConsultantDetailsIn):
    """`profile_id`: a member of the organization (not a CLIENT contact)."""

    profile_id: uuid.UUID


class ConsultantPatch(Patch):
    date_embauche: NotNull[Day] = None
    taux_journalier_cout: NotNull[DailyRate] = None
    taux_journalier_vente: DailyRate | None = None
    statut: NotNull[ConsultantStatus] = None
    job_title: JobTitle | None = None


class ConsultantQuery(ListQuery):
    statut: ConsultantStatus | None = None


class SkillOut(BaseModel):
    competence_id: uuid.UUID
    nom: str
    niveau: int
    date_evaluation: date | None


class ConsultantOut(BaseModel):
    """The two rate keys are present only for callers who see financials."""

    id: uuid.UUID
    organization_id: uuid.UUID
    profile_id: uuid.UUID
    prenom: str
    nom: str
    email: str
    date_embauche: date
    statut: ConsultantStatus
    job_title: str | None
    competences: list[SkillOut]
    created_at: datetime
    updated_at: datetime
    taux_journalier_cout: Decimal | None = Field(
        default=None, description="only for OWNER, ADMIN and MANAGER callers"
    )
    taux_journalier_vente: Decimal | None = Field(
        default=None, description="only for OWNER, ADMIN and MANAGER callers"
    )

    # Not annotated on purpose: pydantic would publish a return annotation as the schema
    # of the model instead of its fields.
    @model_serializer(mode="wrap")
    def _omit_hidden_rates(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        """Rates left unset (the caller may not see them) are left out, not sent as null."""
        data = handler(self)
        for name in RATE_FIELDS:
            if name not in self.model_fields_set:
                data.pop(name, None)
        return data


class CompetenceCreate(Request):
    """`nom` is unique in the organization, ignoring case (409)."""

    nom: Name
    description: ShortText | None = None


class CompetencePatch(Patch):
    nom: NotNull[Name] = None
    description: ShortText | None = None


class CompetenceOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    nom: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class SkillSet(Request):
    """A person's level in a skill; `date_evaluation` (default today, UTC) not in the future."""

    niveau: Level
    date_evaluation: Day | None = None


class ProfileSkillOut(SkillOut):
    profile_id: uuid.UUID
    updated_at: datetime


class StaffingSearchQuery(ListQuery):
    """Who has `competence_id` at `min_niveau` or above, and how free they are over
    [`from`, `to`] (inclusive days, at most 366)."""

    competence_id: uuid.UUID
    min_niveau: Level = 1
    from_: Day = Field(alias="from")
    to: Day


class StaffingCandidate(BaseModel):
    """`allocated_pct`: the highest total `allocation_pct` of the person's assignments
    (every project of the organization) on any single day of the range; `free_pct` is
    100 minus it. `statut` is null for a member without consultant details."""

    profile_id: uuid.UUID
    prenom: str
    nom: str
    job_title: str | None
    statut: ConsultantStatus | None
    niveau: int
    date_evaluation: date | None
    allocated_pct: int
    free_pct: int
