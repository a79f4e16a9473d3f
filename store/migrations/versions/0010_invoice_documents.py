"""invoices as documents (Factur-X)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

The firm's legal details on organizations (SIREN, SIRET, VAT number, legal address,
IBAN, BIC) and the client's (address, VAT number), all nullable; each invoice's VAT rate
(existing invoices get 20%) and the period whose validated time it bills (its lines), the value its number took from the organization's new
counter (`invoice_counters`, one row per organization, created on the first numbered
invoice). Existing invoices keep their numbers and have no counter value. Row Level
Security on PostgreSQL for the counters, like every tenant table (0004's policy).
Both engines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORG = "organization_id = NULLIF(current_setting('app.org_id', true), '')::uuid"
_ORG_LEGAL = ("siren", "siret", "numero_tva", "adresse", "code_postal", "ville", "pays", "iban", "bic")
_PERIODE = (
    "(periode_debut IS NULL AND periode_fin IS NULL) OR "
    "(periode_debut IS NOT NULL AND periode_fin IS NOT NULL AND periode_fin >= periode_debut)"
)
_CLIENT = ("adresse", "code_postal", "ville", "pays", "numero_tva")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for name in _ORG_LEGAL:
        op.add_column("organizations", sa.Column(name, sa.Text(), nullable=True))
    for name in _CLIENT:
        op.add_column("client", sa.Column(name, sa.Text(), nullable=True))
    with op.batch_alter_table("facture") as batch:
        batch.add_column(
            sa.Column("taux_tva", sa.Numeric(5, 2), nullable=False, server_default="20.00")
        )
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("periode_debut", sa.Date(), nullable=True))
        batch.add_column(sa.Column("periode_fin", sa.Date(), nullable=True))
        batch.create_check_constraint(op.f("ck_facture_periode"), _PERIODE)
        batch.create_check_constraint(
            op.f("ck_facture_taux_tva_range"), "taux_tva >= 0 AND taux_tva <= 100"
        )
        batch.create_unique_constraint(
            op.f("uq_facture_organization_id_sequence"), ["organization_id", "sequence"]
        )
    op.create_table(
        "invoice_counters",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_value >= 0", name=op.f("ck_invoice_counters_last_value_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_counters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_invoice_counters")),
    )
    op.create_index(
        op.f("ix_invoice_counters_organization_id"), "invoice_counters", ["organization_id"]
    )
    if _postgres():
        op.execute("ALTER TABLE invoice_counters ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE invoice_counters FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON invoice_counters USING ({_ORG}) WITH CHECK ({_ORG})"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_counters_organization_id"), table_name="invoice_counters")
    op.drop_table("invoice_counters")
    with op.batch_alter_table("facture") as batch:
        batch.drop_constraint(op.f("uq_facture_organization_id_sequence"), type_="unique")
        batch.drop_constraint(op.f("ck_facture_taux_tva_range"), type_="check")
        batch.drop_constraint(op.f("ck_facture_periode"), type_="check")
        batch.drop_column("periode_fin")
        batch.drop_column("periode_debut")
        batch.drop_column("sequence")
        batch.drop_column("taux_tva")
    for name in reversed(_CLIENT):
        op.drop_column("client", name)
    for name in reversed(_ORG_LEGAL):
        op.drop_column("organizations", name)
