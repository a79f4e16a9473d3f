"""Project budgets, invoices and time entries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import PaymentStatus, ValidationStatus

from .base import Base, OrgScoped, Timestamps, UUIDPk, enum_column, fk, in_check, range_check


class BudgetProjet(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "budget_projet"
    __table_args__ = (
        range_check("marge_cible_pct", "marge_cible_pct", 0, 100),
        CheckConstraint("montant_total_vente >= 0", name="vente_non_negative"),
        CheckConstraint("cout_estime_total >= 0", name="cout_non_negative"),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", unique=True)
    montant_total_vente: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cout_estime_total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    marge_cible_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class Facture(UUIDPk, OrgScoped, Timestamps, Base):
    """`date_echeance` is set by the service (invoice date + 30 days unless given)."""

    __tablename__ = "facture"
    __table_args__ = (
        UniqueConstraint("organization_id", "numero"),
        in_check("statut_paiement", "statut_paiement", PaymentStatus),
        CheckConstraint("montant >= 0", name="montant_non_negative"),
        CheckConstraint("date_echeance IS NULL OR date_echeance >= date_facturation", name="dates"),
        CheckConstraint("taux_tva >= 0 AND taux_tva <= 100", name="taux_tva_range"),
        UniqueConstraint("organization_id", "sequence"),
        CheckConstraint(
            "(periode_debut IS NULL AND periode_fin IS NULL) OR "
            "(periode_debut IS NOT NULL AND periode_fin IS NOT NULL "
            "AND periode_fin >= periode_debut)",
            name="periode",
        ),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    numero: Mapped[str | None] = mapped_column(Text)
    montant: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    date_facturation: Mapped[date]
    date_echeance: Mapped[date | None]
    statut_paiement: Mapped[str | None] = enum_column(PaymentStatus.EN_ATTENTE)
    # VAT rate in percent applied to `montant` (the amount before tax).
    taux_tva: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal("20.00"), server_default="20.00"
    )
    # The value the organization's counter gave `numero` (null for a number the client
    # chose, or one from before 0010): docs/invoices.md, "Numbering".
    sequence: Mapped[int | None] = mapped_column(Integer)
    # The period whose validated time the invoice bills (its lines), if it bills time.
    periode_debut: Mapped[date | None]
    periode_fin: Mapped[date | None]


class InvoiceCounter(OrgScoped, Base):
    """The last invoice number an organization's counter gave. Taken with one upsert
    (`ON CONFLICT DO UPDATE SET last_value = last_value + 1 RETURNING`) in the creating
    transaction: its row lock queues concurrent creators, so numbers have no gap."""

    __tablename__ = "invoice_counters"
    __table_args__ = (
        PrimaryKeyConstraint("organization_id"),
        CheckConstraint("last_value >= 0", name="last_value_non_negative"),
    )

    last_value: Mapped[int] = mapped_column(Integer)


class TempsPasse(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "temps_passe"
    __table_args__ = (
        Index("ix_temps_passe_projet_id_date", "projet_id", "date"),
        Index("ix_temps_passe_profile_id_date", "profile_id", "date"),
        range_check("heures_travaillees", "heures_travaillees", 0, 24),
        in_check("validation_statut", "validation_statut", ValidationStatus),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE")
    profile_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    tache_id: Mapped[uuid.UUID | None] = fk("tache.id", "SET NULL", index=True)
    date: Mapped[date]
    heures_travaillees: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    description: Mapped[str | None] = mapped_column(Text)
    source_outil: Mapped[str | None] = mapped_column(Text)
    validation_statut: Mapped[str | None] = enum_column(ValidationStatus.EN_ATTENTE)
    motif_rejet: Mapped[str | None] = mapped_column(Text)
    validated_by: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    validated_at: Mapped[datetime | None]
