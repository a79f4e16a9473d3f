"""Clients, projects, tasks, deliverables and staffing (`affectation`)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import DeliverableStatus, ProjectStatus, TaskPriority, TaskStatus

from .base import Base, OrgScoped, Timestamps, UUIDPk, enum_column, fk, in_check, range_check

# Ranks are compared byte by byte; PostgreSQL's default collation is locale-aware and
# would order them differently from SQLite (whose default collation is binary).
RankType = String(64).with_variant(String(64, collation="C"), "postgresql")


class Client(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "client"

    nom: Mapped[str] = mapped_column(Text)
    contact_principal: Mapped[str | None] = mapped_column(Text)
    contact_user_id: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    secteur: Mapped[str | None] = mapped_column(Text)
    # The buyer's details on an invoice (docs/invoices.md).
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    ville: Mapped[str | None] = mapped_column(Text)
    pays: Mapped[str | None] = mapped_column(Text)
    numero_tva: Mapped[str | None] = mapped_column(Text)


class Projet(UUIDPk, OrgScoped, Timestamps, Base):
    """`client_id` has no ON DELETE action (NO ACTION, checked at statement end).

    A client with projects cannot be deleted on its own, yet deleting the organization
    cascades to both in one statement; RESTRICT would fail there, being checked at once.
    """

    __tablename__ = "projet"
    __table_args__ = (
        UniqueConstraint("nom", "organization_id"),
        in_check("statut", "statut", ProjectStatus),
        CheckConstraint("date_fin_prevue IS NULL OR date_fin_prevue >= date_debut", name="dates"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    client_id: Mapped[uuid.UUID] = fk("client.id", index=True)
    chef_projet_id: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    nom: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    date_debut: Mapped[date]
    date_fin_prevue: Mapped[date | None]
    statut: Mapped[str] = enum_column(ProjectStatus.ACTIF)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class Livrable(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "livrable"
    __table_args__ = (in_check("statut", "statut", DeliverableStatus),)

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    nom: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    date_prevue: Mapped[date | None]
    date_livraison: Mapped[date | None]
    statut: Mapped[str] = enum_column(DeliverableStatus.A_FAIRE)


class Tache(UUIDPk, OrgScoped, Timestamps, Base):
    """Board order within a column is by `rank`, a lexicographic key chosen between its
    neighbours, so a move rewrites one row; `position` is a 0-based ordinal for clients.
    """

    __tablename__ = "tache"
    __table_args__ = (
        # Also serves the schema's (projet_id, statut) index, so that one is not repeated.
        Index("ix_tache_projet_id_statut_rank", "projet_id", "statut", "rank"),
        in_check("statut", "statut", TaskStatus),
        in_check("priority", "priority", TaskPriority),
        CheckConstraint("charge_estimee_jh >= 0", name="charge_non_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE")
    livrable_id: Mapped[uuid.UUID | None] = fk("livrable.id", "SET NULL", index=True)
    profile_responsable_id: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    nom: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    charge_estimee_jh: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    date_fin_cible: Mapped[date | None]
    statut: Mapped[str] = enum_column(TaskStatus.TODO)
    priority: Mapped[str | None] = enum_column(TaskPriority.MEDIUM)
    position: Mapped[int | None] = mapped_column(default=0, server_default="0")
    rank: Mapped[str] = mapped_column(RankType, default="", server_default="")
    color: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str] | None] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class Affectation(UUIDPk, OrgScoped, Timestamps, Base):
    """A consultant staffed on a project for a period at a share of their time."""

    __tablename__ = "affectation"
    __table_args__ = (
        Index("ix_affectation_profile_id_date_debut", "profile_id", "date_debut"),
        range_check("allocation_pct", "allocation_pct", 1, 100),
        CheckConstraint("date_fin IS NULL OR date_fin >= date_debut", name="dates"),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    profile_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    role: Mapped[str | None] = mapped_column(Text)
    date_debut: Mapped[date]
    date_fin: Mapped[date | None]
    allocation_pct: Mapped[int] = mapped_column(default=100, server_default="100")
