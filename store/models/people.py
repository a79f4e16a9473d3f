"""Consultants: employment details, the skills catalogue and each person's skills."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Numeric,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import ConsultantStatus

from .base import Base, OrgScoped, Timestamps, UUIDPk, enum_column, fk, in_check, range_check


class ConsultantDetails(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "consultant_details"
    __table_args__ = (
        in_check("statut", "statut", ConsultantStatus),
        CheckConstraint("taux_journalier_cout >= 0", name="taux_cout_non_negative"),
        CheckConstraint("taux_journalier_vente >= 0", name="taux_vente_non_negative"),
        # Per organization, not global: a person may consult for two firms, and a global
        # unique key would reveal across tenants that they exist.
        UniqueConstraint("organization_id", "profile_id"),
    )

    profile_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    date_embauche: Mapped[date]
    taux_journalier_cout: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    taux_journalier_vente: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    statut: Mapped[str | None] = enum_column(ConsultantStatus.AVAILABLE)
    job_title: Mapped[str | None] = mapped_column(Text)


class Competence(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "competence"
    __table_args__ = (UniqueConstraint("nom", "organization_id"),)

    nom: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class ProfileCompetence(OrgScoped, Timestamps, Base):
    __tablename__ = "profile_competences"
    __table_args__ = (
        PrimaryKeyConstraint("profile_id", "competence_id", "organization_id"),
        range_check("niveau", "niveau", 1, 5),
    )

    profile_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    competence_id: Mapped[uuid.UUID] = fk("competence.id", "CASCADE", index=True)
    niveau: Mapped[int | None]
    date_evaluation: Mapped[date | None]
