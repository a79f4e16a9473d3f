"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Every table of the data model, with a trigger per table keeping `updated_at` right for
any UPDATE that does not set it (raw SQL and other tools included).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slug_pattern_check() -> sa.CheckConstraint:
    """`^[a-z0-9-]+$`: a regex on PostgreSQL, its GLOB spelling on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.CheckConstraint(
            "slug ~ '^[a-z0-9-]+$'", name=op.f("ck_organizations_slug_pattern")
        )
    return sa.CheckConstraint(
        "slug NOT GLOB '*[^a-z0-9-]*'", name=op.f("ck_organizations_slug_pattern")
    )


# Frozen here: later revisions add the trigger to the tables they create.
UPDATED_AT_TABLES = [
    "affectation",
    "budget_projet",
    "channel_messages",
    "channel_read_states",
    "client",
    "competence",
    "consultant_details",
    "detection_derive",
    "direct_messages",
    "facture",
    "group_chats",
    "incident",
    "livrable",
    "milestones",
    "organization_channels",
    "organizations",
    "prediction_risque",
    "profile_competences",
    "profiles",
    "project_channels",
    "projet",
    "recommandation_action",
    "score_sante_projet",
    "tache",
    "temps_passe",
    "user_organizations",
    "users",
]


def _create_updated_at_triggers(tables: list[str]) -> None:
    """Set `updated_at` on every UPDATE that leaves it unchanged.

    SQLAlchemy already sets it on ORM and Core updates; the trigger covers everything
    else. It fires only when the statement did not change the column, so the value the
    application wrote (and holds in memory) is kept.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
            BEGIN
                IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
                    NEW.updated_at := clock_timestamp();
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
            )
        return
    for table in tables:
        # The format matches how SQLAlchemy stores datetimes on SQLite (UTC, microseconds).
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at AFTER UPDATE ON {table} "
            "FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at BEGIN "
            f"UPDATE {table} SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') "
            "WHERE rowid = NEW.rowid; END"
        )


def _drop_updated_at_triggers(tables: list[str]) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        suffix = f" ON {table}" if postgres else ""
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_updated_at{suffix}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS set_updated_at()")


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        _slug_pattern_check(),
        sa.CheckConstraint(
            "length(slug) >= 3 AND length(slug) <= 50", name=op.f("ck_organizations_slug_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organizations_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_normalized", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("external_subject", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_normalized", name=op.f("uq_users_email_normalized")),
        sa.UniqueConstraint("external_subject", name=op.f("uq_users_external_subject")),
    )
    op.create_table(
        "channel_read_states",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel_type", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("read_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel_type IN ('organization', 'project', 'group', 'direct')",
            name=op.f("ck_channel_read_states_channel_type"),
        ),
        sa.CheckConstraint(
            "read_seq >= 0", name=op.f("ck_channel_read_states_read_seq_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_channel_read_states_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_channel_read_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "channel_type", "channel_id", name=op.f("pk_channel_read_states")
        ),
    )
    with op.batch_alter_table("channel_read_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_read_states_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "channel_sequences",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("channel_type", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "channel_type IN ('organization', 'project', 'group', 'direct')",
            name=op.f("ck_channel_sequences_channel_type"),
        ),
        sa.CheckConstraint(
            "last_seq >= 0", name=op.f("ck_channel_sequences_last_seq_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_channel_sequences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_type", "channel_id", name=op.f("pk_channel_sequences")),
    )
    with op.batch_alter_table("channel_sequences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_sequences_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "competence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_competence_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence")),
        sa.UniqueConstraint(
            "nom", "organization_id", name=op.f("uq_competence_nom_organization_id")
        ),
    )
    with op.batch_alter_table("competence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competence_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "group_chats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_group_chats_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_group_chats_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_chats")),
    )
    with op.batch_alter_table("group_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_chats_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_chats_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("prenom", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), server_default="CONSULTANT", nullable=False),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="offline", nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('OWNER', 'ADMIN', 'MANAGER', 'CONSULTANT', 'CLIENT')",
            name=op.f("ck_profiles_role"),
        ),
        sa.CheckConstraint(
            "status IN ('online', 'offline', 'away')", name=op.f("ck_profiles_status")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["users.id"], name=op.f("fk_profiles_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["profiles.id"],
            name=op.f("fk_profiles_manager_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_profiles_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("email", name=op.f("uq_profiles_email")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profiles_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_profiles_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_tokens_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refresh_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), server_default="MEMBER", nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('OWNER', 'ADMIN', 'MANAGER', 'CONSULTANT', 'MEMBER', 'CLIENT')",
            name=op.f("ck_user_organizations_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_user_organizations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_organizations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_organizations")),
        sa.UniqueConstraint(
            "user_id", "organization_id", name=op.f("uq_user_organizations_user_id_organization_id")
        ),
    )
    with op.batch_alter_table("user_organizations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_organizations_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "activity_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("resource_type", sa.Text(), nullable=True),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_activity_logs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profiles.id"],
            name=op.f("fk_activity_logs_user_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_logs")),
    )
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.create_index("ix_activity_logs_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activity_logs_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_activity_logs_resource_type_resource_id",
            ["resource_type", "resource_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_activity_logs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "channel_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("channel_type", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel_type IN ('organization', 'project', 'group')",
            name=op.f("ck_channel_messages_channel_type"),
        ),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_channel_messages_seq_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_channel_messages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["channel_messages.id"],
            name=op.f("fk_channel_messages_parent_id_channel_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["profiles.id"], name=op.f("fk_channel_messages_sender_id_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_messages")),
        sa.UniqueConstraint(
            "channel_type",
            "channel_id",
            "sender_id",
            "client_msg_id",
            name="uq_channel_messages_client_msg_id",
        ),
        sa.UniqueConstraint("channel_type", "channel_id", "seq", name="uq_channel_messages_seq"),
    )
    with op.batch_alter_table("channel_messages", schema=None) as batch_op:
        batch_op.create_index("ix_channel_messages_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_channel_messages_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_channel_messages_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_channel_messages_sender_id"), ["sender_id"], unique=False
        )

    op.create_table(
        "client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("contact_principal", sa.Text(), nullable=True),
        sa.Column("contact_user_id", sa.Uuid(), nullable=True),
        sa.Column("secteur", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["contact_user_id"],
            ["profiles.id"],
            name=op.f("fk_client_contact_user_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_client_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_contact_user_id"), ["contact_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_client_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "consultant_details",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("date_embauche", sa.Date(), nullable=False),
        sa.Column("taux_journalier_cout", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("taux_journalier_vente", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("statut", sa.Text(), server_default="AVAILABLE", nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "statut IN ('AVAILABLE', 'ON_MISSION', 'ON_LEAVE')",
            name=op.f("ck_consultant_details_statut"),
        ),
        sa.CheckConstraint(
            "taux_journalier_cout >= 0", name=op.f("ck_consultant_details_taux_cout_non_negative")
        ),
        sa.CheckConstraint(
            "taux_journalier_vente >= 0", name=op.f("ck_consultant_details_taux_vente_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_consultant_details_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_consultant_details_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultant_details")),
        sa.UniqueConstraint(
            "organization_id",
            "profile_id",
            name=op.f("uq_consultant_details_organization_id_profile_id"),
        ),
    )
    with op.batch_alter_table("consultant_details", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultant_details_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultant_details_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "direct_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("sender_id <> recipient_id", name=op.f("ck_direct_messages_not_self")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_direct_messages_seq_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_direct_messages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["direct_messages.id"],
            name=op.f("fk_direct_messages_parent_id_direct_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["profiles.id"],
            name=op.f("fk_direct_messages_recipient_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["profiles.id"],
            name=op.f("fk_direct_messages_sender_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_messages")),
        sa.UniqueConstraint(
            "conversation_id", "sender_id", "client_msg_id", name="uq_direct_messages_client_msg_id"
        ),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_direct_messages_seq"),
    )
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_direct_messages_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_direct_messages_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_direct_messages_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(
            "ix_direct_messages_sender_id_recipient_id", ["sender_id", "recipient_id"], unique=False
        )

    op.create_table(
        "group_chat_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("group_chat_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "joined_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["group_chat_id"],
            ["group_chats.id"],
            name=op.f("fk_group_chat_members_group_chat_id_group_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_group_chat_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_chat_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_chat_members")),
        sa.UniqueConstraint(
            "group_chat_id", "user_id", name=op.f("uq_group_chat_members_group_chat_id_user_id")
        ),
    )
    with op.batch_alter_table("group_chat_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_chat_members_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_chat_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "join_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('MEMBER', 'MANAGER')", name=op.f("ck_join_codes_role")),
        sa.CheckConstraint(
            "max_uses IS NULL OR max_uses >= 1", name=op.f("ck_join_codes_max_uses_positive")
        ),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_join_codes_uses_non_negative")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["profiles.id"], name=op.f("fk_join_codes_created_by_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_join_codes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_join_codes_code")),
    )
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_join_codes_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "type IN ('INFO', 'SUCCESS', 'WARNING', 'ERROR', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'PROJECT_UPDATE', 'MILESTONE_REACHED', 'MENTION', 'DIRECT_MESSAGE', 'TIME_VALIDATED', 'TIME_REJECTED', 'INVITATION', 'SYSTEM')",
            name=op.f("ck_notifications_type"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notifications_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profiles.id"],
            name=op.f("fk_notifications_user_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_id_read_at", ["user_id", "read_at"], unique=False
        )

    op.create_table(
        "organization_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["profiles.id"],
            name=op.f("fk_organization_channels_created_by_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_channels_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_channels")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_organization_channels_organization_id_name")
        ),
    )
    with op.batch_alter_table("organization_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_channels_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organization_channels_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "organization_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('OWNER', 'ADMIN', 'MANAGER', 'MEMBER')",
            name=op.f("ck_organization_invitations_role"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["profiles.id"],
            name=op.f("fk_organization_invitations_invited_by_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_invitations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_organization_invitations_token_hash")),
    )
    with op.batch_alter_table("organization_invitations", schema=None) as batch_op:
        batch_op.create_index("ix_organization_invitations_email", ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organization_invitations_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "profile_competences",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("competence_id", sa.Uuid(), nullable=False),
        sa.Column("niveau", sa.Integer(), nullable=True),
        sa.Column("date_evaluation", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "niveau >= 1 AND niveau <= 5", name=op.f("ck_profile_competences_niveau")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_profile_competences_competence_id_competence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_profile_competences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_competences_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "profile_id", "competence_id", "organization_id", name=op.f("pk_profile_competences")
        ),
    )
    with op.batch_alter_table("profile_competences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_competences_competence_id"), ["competence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_profile_competences_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "message_reactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("channel_message_id", sa.Uuid(), nullable=True),
        sa.Column("direct_message_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(channel_message_id IS NULL) <> (direct_message_id IS NULL)",
            name=op.f("ck_message_reactions_one_message"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_message_id"],
            ["channel_messages.id"],
            name=op.f("fk_message_reactions_channel_message_id_channel_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["direct_message_id"],
            ["direct_messages.id"],
            name=op.f("fk_message_reactions_direct_message_id_direct_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_message_reactions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profiles.id"],
            name=op.f("fk_message_reactions_user_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_reactions")),
        sa.UniqueConstraint(
            "channel_message_id", "user_id", "emoji", name="uq_message_reactions_channel"
        ),
        sa.UniqueConstraint(
            "direct_message_id", "user_id", "emoji", name="uq_message_reactions_direct"
        ),
    )
    with op.batch_alter_table("message_reactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_reactions_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_message_reactions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "projet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("chef_projet_id", sa.Uuid(), nullable=True),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("date_debut", sa.Date(), nullable=False),
        sa.Column("date_fin_prevue", sa.Date(), nullable=True),
        sa.Column("statut", sa.Text(), server_default="ACTIF", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "statut IN ('ACTIF', 'TERMINE', 'SUSPENDU')", name=op.f("ck_projet_statut")
        ),
        sa.CheckConstraint(
            "date_fin_prevue IS NULL OR date_fin_prevue >= date_debut", name=op.f("ck_projet_dates")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_projet_version_positive")),
        sa.ForeignKeyConstraint(
            ["chef_projet_id"],
            ["profiles.id"],
            name=op.f("fk_projet_chef_projet_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_projet_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_projet_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projet")),
        sa.UniqueConstraint("nom", "organization_id", name=op.f("uq_projet_nom_organization_id")),
    )
    with op.batch_alter_table("projet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projet_chef_projet_id"), ["chef_projet_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projet_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_projet_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "affectation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("date_debut", sa.Date(), nullable=False),
        sa.Column("date_fin", sa.Date(), nullable=True),
        sa.Column("allocation_pct", sa.Integer(), server_default="100", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "allocation_pct >= 1 AND allocation_pct <= 100",
            name=op.f("ck_affectation_allocation_pct"),
        ),
        sa.CheckConstraint(
            "date_fin IS NULL OR date_fin >= date_debut", name=op.f("ck_affectation_dates")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_affectation_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_affectation_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_affectation_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affectation")),
    )
    with op.batch_alter_table("affectation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_affectation_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_affectation_profile_id_date_debut", ["profile_id", "date_debut"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_affectation_projet_id"), ["projet_id"], unique=False)

    op.create_table(
        "budget_projet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("montant_total_vente", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cout_estime_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("marge_cible_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cout_estime_total >= 0", name=op.f("ck_budget_projet_cout_non_negative")
        ),
        sa.CheckConstraint(
            "marge_cible_pct >= 0 AND marge_cible_pct <= 100",
            name=op.f("ck_budget_projet_marge_cible_pct"),
        ),
        sa.CheckConstraint(
            "montant_total_vente >= 0", name=op.f("ck_budget_projet_vente_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_budget_projet_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_budget_projet_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_projet")),
        sa.UniqueConstraint("projet_id", name=op.f("uq_budget_projet_projet_id")),
    )
    with op.batch_alter_table("budget_projet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_projet_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "detection_derive",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column(
            "date_detection",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("type_derive", sa.Text(), nullable=False),
        sa.Column("metrique", sa.Text(), nullable=True),
        sa.Column("valeur_observee", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("valeur_attendue", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("ecart_pct", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("severite", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("resolue", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "severite IN ('FAIBLE', 'MOYENNE', 'ELEVEE', 'CRITIQUE')",
            name=op.f("ck_detection_derive_severite"),
        ),
        sa.CheckConstraint(
            "type_derive IN ('COUT', 'DELAI', 'CHARGE')",
            name=op.f("ck_detection_derive_type_derive"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_detection_derive_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_detection_derive_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_derive")),
    )
    with op.batch_alter_table("detection_derive", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detection_derive_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_detection_derive_projet_id_date_detection",
            ["projet_id", "date_detection"],
            unique=False,
        )

    op.create_table(
        "facture",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("numero", sa.Text(), nullable=True),
        sa.Column("montant", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("date_facturation", sa.Date(), nullable=False),
        sa.Column("date_echeance", sa.Date(), nullable=True),
        sa.Column("statut_paiement", sa.Text(), server_default="EN_ATTENTE", nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "statut_paiement IN ('EN_ATTENTE', 'PAYE', 'RETARD')",
            name=op.f("ck_facture_statut_paiement"),
        ),
        sa.CheckConstraint(
            "date_echeance IS NULL OR date_echeance >= date_facturation",
            name=op.f("ck_facture_dates"),
        ),
        sa.CheckConstraint("montant >= 0", name=op.f("ck_facture_montant_non_negative")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_facture_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_facture_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facture")),
        sa.UniqueConstraint(
            "organization_id", "numero", name=op.f("uq_facture_organization_id_numero")
        ),
    )
    with op.batch_alter_table("facture", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facture_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_facture_projet_id"), ["projet_id"], unique=False)

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("titre", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("severite", sa.Text(), nullable=False),
        sa.Column("statut", sa.Text(), server_default="OUVERT", nullable=False),
        sa.Column(
            "date_ouverture",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("date_resolution", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "severite IN ('FAIBLE', 'MOYENNE', 'ELEVEE', 'CRITIQUE')",
            name=op.f("ck_incident_severite"),
        ),
        sa.CheckConstraint(
            "statut IN ('OUVERT', 'EN_COURS', 'RESOLU', 'FERME')", name=op.f("ck_incident_statut")
        ),
        sa.CheckConstraint(
            "date_resolution IS NULL OR date_resolution >= date_ouverture",
            name=op.f("ck_incident_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_incident_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_incident_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["profiles.id"],
            name=op.f("fk_incident_reported_by_profiles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_projet_id"), ["projet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_reported_by"), ["reported_by"], unique=False)

    op.create_table(
        "livrable",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("date_prevue", sa.Date(), nullable=True),
        sa.Column("date_livraison", sa.Date(), nullable=True),
        sa.Column("statut", sa.Text(), server_default="A_FAIRE", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "statut IN ('A_FAIRE', 'EN_COURS', 'LIVRE', 'VALIDE', 'REJETE')",
            name=op.f("ck_livrable_statut"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_livrable_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_livrable_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livrable")),
    )
    with op.batch_alter_table("livrable", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_livrable_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_livrable_projet_id"), ["projet_id"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), server_default="not_started", nullable=False),
        sa.Column("priority", sa.String(), server_default="medium", nullable=True),
        sa.Column("color", sa.String(), nullable=True),
        sa.Column("progress_mode", sa.String(), server_default="auto", nullable=True),
        sa.Column("progress_percentage", sa.Integer(), server_default="0", nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'critical')", name=op.f("ck_milestones_priority")
        ),
        sa.CheckConstraint(
            "progress_mode IN ('auto', 'manual')", name=op.f("ck_milestones_progress_mode")
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed', 'on_hold')",
            name=op.f("ck_milestones_status"),
        ),
        sa.CheckConstraint("due_date >= start_date", name=op.f("ck_milestones_dates")),
        sa.CheckConstraint(
            "progress_percentage >= 0 AND progress_percentage <= 100",
            name=op.f("ck_milestones_progress_percentage"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_milestones_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["profiles.id"],
            name=op.f("fk_milestones_created_by_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_milestones_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_milestones_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_milestones_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_milestones_projet_id"), ["projet_id"], unique=False)

    op.create_table(
        "prediction_risque",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=True),
        sa.Column(
            "date_prediction",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=True,
        ),
        sa.Column("horizon_jours", sa.Integer(), nullable=False),
        sa.Column("type_risque", sa.Text(), nullable=False),
        sa.Column("probabilite_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("confidence", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column(
            "justification",
            sa.Text(),
            server_default="Prédiction générée automatiquement",
            nullable=True,
        ),
        sa.Column(
            "metriques_source",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("workflow_execution_id", sa.String(), nullable=True),
        sa.Column("modele_ia_utilise", sa.String(), nullable=True),
        sa.Column("realise", sa.Boolean(), nullable=True),
        sa.Column("date_evaluation", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "type_risque IN ('BUDGET', 'DELAI', 'QUALITE', 'RESSOURCES')",
            name=op.f("ck_prediction_risque_type_risque"),
        ),
        sa.CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name=op.f("ck_prediction_risque_confidence")
        ),
        sa.CheckConstraint("horizon_jours > 0", name=op.f("ck_prediction_risque_horizon_positive")),
        sa.CheckConstraint(
            "probabilite_pct >= 0 AND probabilite_pct <= 100",
            name=op.f("ck_prediction_risque_probabilite_pct"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_prediction_risque_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_prediction_risque_profile_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_prediction_risque_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_risque")),
    )
    with op.batch_alter_table("prediction_risque", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prediction_risque_date_prediction"), ["date_prediction"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prediction_risque_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prediction_risque_profile_id"), ["profile_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prediction_risque_projet_id"), ["projet_id"], unique=False
        )

    op.create_table(
        "project_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_project_channels_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_project_channels_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_channels")),
        sa.UniqueConstraint("projet_id", name=op.f("uq_project_channels_projet_id")),
    )
    with op.batch_alter_table("project_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_channels_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "score_sante_projet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("date_analyse", sa.Date(), nullable=False),
        sa.Column("score_global", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("couleur_risque", sa.Text(), nullable=False),
        sa.Column("raisonnement_ia", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "couleur_risque IN ('VERT', 'ORANGE', 'ROUGE')",
            name=op.f("ck_score_sante_projet_couleur_risque"),
        ),
        sa.CheckConstraint(
            "score_global >= 0 AND score_global <= 100",
            name=op.f("ck_score_sante_projet_score_global"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_score_sante_projet_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_score_sante_projet_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_sante_projet")),
    )
    with op.batch_alter_table("score_sante_projet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_score_sante_projet_date_analyse"), ["date_analyse"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_score_sante_projet_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_score_sante_projet_projet_id"), ["projet_id"], unique=False
        )

    op.create_table(
        "milestone_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_assignments_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_milestone_assignments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_milestone_assignments_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_assignments")),
        sa.UniqueConstraint(
            "milestone_id",
            "profile_id",
            name=op.f("uq_milestone_assignments_milestone_id_profile_id"),
        ),
    )
    with op.batch_alter_table("milestone_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_assignments_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_milestone_assignments_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "milestone_dependencies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("depends_on_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "milestone_id <> depends_on_id", name=op.f("ck_milestone_dependencies_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_dependencies_depends_on_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_dependencies_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_milestone_dependencies_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_dependencies")),
        sa.UniqueConstraint(
            "milestone_id",
            "depends_on_id",
            name=op.f("uq_milestone_dependencies_milestone_id_depends_on_id"),
        ),
    )
    with op.batch_alter_table("milestone_dependencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_dependencies_depends_on_id"), ["depends_on_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_milestone_dependencies_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "recommandation_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("derive_id", sa.Uuid(), nullable=True),
        sa.Column("titre", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priorite", sa.Text(), server_default="MOYENNE", nullable=False),
        sa.Column("statut", sa.Text(), server_default="PROPOSEE", nullable=False),
        sa.Column(
            "recommandations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "priorite IN ('FAIBLE', 'MOYENNE', 'ELEVEE', 'CRITIQUE')",
            name=op.f("ck_recommandation_action_priorite"),
        ),
        sa.CheckConstraint(
            "statut IN ('PROPOSEE', 'ACCEPTEE', 'REJETEE', 'REALISEE')",
            name=op.f("ck_recommandation_action_statut"),
        ),
        sa.ForeignKeyConstraint(
            ["derive_id"],
            ["detection_derive.id"],
            name=op.f("fk_recommandation_action_derive_id_detection_derive"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_recommandation_action_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_recommandation_action_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommandation_action")),
    )
    with op.batch_alter_table("recommandation_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommandation_action_derive_id"), ["derive_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommandation_action_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_recommandation_action_projet_id"), ["projet_id"], unique=False
        )

    op.create_table(
        "tache",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("livrable_id", sa.Uuid(), nullable=True),
        sa.Column("profile_responsable_id", sa.Uuid(), nullable=True),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("charge_estimee_jh", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("date_fin_cible", sa.Date(), nullable=True),
        sa.Column("statut", sa.Text(), server_default="TODO", nullable=False),
        sa.Column("priority", sa.Text(), server_default="medium", nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=True),
        sa.Column(
            "rank",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            server_default="",
            nullable=False,
        ),
        sa.Column("color", sa.Text(), nullable=True),
        sa.Column(
            "tags", sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'urgent')", name=op.f("ck_tache_priority")
        ),
        sa.CheckConstraint(
            "statut IN ('TODO', 'IN_PROGRESS', 'IN_REVIEW', 'DONE')", name=op.f("ck_tache_statut")
        ),
        sa.CheckConstraint("charge_estimee_jh >= 0", name=op.f("ck_tache_charge_non_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_tache_version_positive")),
        sa.ForeignKeyConstraint(
            ["livrable_id"],
            ["livrable.id"],
            name=op.f("fk_tache_livrable_id_livrable"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tache_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_responsable_id"],
            ["profiles.id"],
            name=op.f("fk_tache_profile_responsable_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"], ["projet.id"], name=op.f("fk_tache_projet_id_projet"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tache")),
    )
    with op.batch_alter_table("tache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tache_livrable_id"), ["livrable_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tache_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tache_profile_responsable_id"), ["profile_responsable_id"], unique=False
        )
        batch_op.create_index(
            "ix_tache_projet_id_statut_rank", ["projet_id", "statut", "rank"], unique=False
        )

    op.create_table(
        "milestone_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("tache_id", sa.Uuid(), nullable=False),
        sa.Column("weight", sa.Integer(), server_default="1", nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("weight >= 1", name=op.f("ck_milestone_tasks_weight_positive")),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_tasks_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_milestone_tasks_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tache_id"],
            ["tache.id"],
            name=op.f("fk_milestone_tasks_tache_id_tache"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_tasks")),
        sa.UniqueConstraint(
            "milestone_id", "tache_id", name=op.f("uq_milestone_tasks_milestone_id_tache_id")
        ),
    )
    with op.batch_alter_table("milestone_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_tasks_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_milestone_tasks_tache_id"), ["tache_id"], unique=False)

    op.create_table(
        "temps_passe",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("projet_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("tache_id", sa.Uuid(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("heures_travaillees", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_outil", sa.Text(), nullable=True),
        sa.Column("validation_statut", sa.Text(), server_default="EN_ATTENTE", nullable=True),
        sa.Column("motif_rejet", sa.Text(), nullable=True),
        sa.Column("validated_by", sa.Uuid(), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "validation_statut IN ('EN_ATTENTE', 'VALIDE', 'REJETE')",
            name=op.f("ck_temps_passe_validation_statut"),
        ),
        sa.CheckConstraint(
            "heures_travaillees >= 0 AND heures_travaillees <= 24",
            name=op.f("ck_temps_passe_heures_travaillees"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_temps_passe_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_temps_passe_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"],
            ["projet.id"],
            name=op.f("fk_temps_passe_projet_id_projet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tache_id"],
            ["tache.id"],
            name=op.f("fk_temps_passe_tache_id_tache"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["validated_by"],
            ["profiles.id"],
            name=op.f("fk_temps_passe_validated_by_profiles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temps_passe")),
    )
    with op.batch_alter_table("temps_passe", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_temps_passe_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_temps_passe_profile_id_date", ["profile_id", "date"], unique=False
        )
        batch_op.create_index("ix_temps_passe_projet_id_date", ["projet_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_temps_passe_tache_id"), ["tache_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_temps_passe_validated_by"), ["validated_by"], unique=False
        )

    _create_updated_at_triggers(UPDATED_AT_TABLES)


def downgrade() -> None:
    _drop_updated_at_triggers(UPDATED_AT_TABLES)
    with op.batch_alter_table("temps_passe", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_temps_passe_validated_by"))
        batch_op.drop_index(batch_op.f("ix_temps_passe_tache_id"))
        batch_op.drop_index("ix_temps_passe_projet_id_date")
        batch_op.drop_index("ix_temps_passe_profile_id_date")
        batch_op.drop_index(batch_op.f("ix_temps_passe_organization_id"))

    op.drop_table("temps_passe")
    with op.batch_alter_table("milestone_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_tasks_tache_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_tasks_organization_id"))

    op.drop_table("milestone_tasks")
    with op.batch_alter_table("tache", schema=None) as batch_op:
        batch_op.drop_index("ix_tache_projet_id_statut_rank")
        batch_op.drop_index(batch_op.f("ix_tache_profile_responsable_id"))
        batch_op.drop_index(batch_op.f("ix_tache_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tache_livrable_id"))

    op.drop_table("tache")
    with op.batch_alter_table("recommandation_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommandation_action_projet_id"))
        batch_op.drop_index(batch_op.f("ix_recommandation_action_organization_id"))
        batch_op.drop_index(batch_op.f("ix_recommandation_action_derive_id"))

    op.drop_table("recommandation_action")
    with op.batch_alter_table("milestone_dependencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_dependencies_organization_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_dependencies_depends_on_id"))

    op.drop_table("milestone_dependencies")
    with op.batch_alter_table("milestone_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_assignments_profile_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_assignments_organization_id"))

    op.drop_table("milestone_assignments")
    with op.batch_alter_table("score_sante_projet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_sante_projet_projet_id"))
        batch_op.drop_index(batch_op.f("ix_score_sante_projet_organization_id"))
        batch_op.drop_index(batch_op.f("ix_score_sante_projet_date_analyse"))

    op.drop_table("score_sante_projet")
    with op.batch_alter_table("project_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_channels_organization_id"))

    op.drop_table("project_channels")
    with op.batch_alter_table("prediction_risque", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prediction_risque_projet_id"))
        batch_op.drop_index(batch_op.f("ix_prediction_risque_profile_id"))
        batch_op.drop_index(batch_op.f("ix_prediction_risque_organization_id"))
        batch_op.drop_index(batch_op.f("ix_prediction_risque_date_prediction"))

    op.drop_table("prediction_risque")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_projet_id"))
        batch_op.drop_index(batch_op.f("ix_milestones_organization_id"))
        batch_op.drop_index(batch_op.f("ix_milestones_created_by"))

    op.drop_table("milestones")
    with op.batch_alter_table("livrable", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livrable_projet_id"))
        batch_op.drop_index(batch_op.f("ix_livrable_organization_id"))

    op.drop_table("livrable")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_reported_by"))
        batch_op.drop_index(batch_op.f("ix_incident_projet_id"))
        batch_op.drop_index(batch_op.f("ix_incident_organization_id"))

    op.drop_table("incident")
    with op.batch_alter_table("facture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facture_projet_id"))
        batch_op.drop_index(batch_op.f("ix_facture_organization_id"))

    op.drop_table("facture")
    with op.batch_alter_table("detection_derive", schema=None) as batch_op:
        batch_op.drop_index("ix_detection_derive_projet_id_date_detection")
        batch_op.drop_index(batch_op.f("ix_detection_derive_organization_id"))

    op.drop_table("detection_derive")
    with op.batch_alter_table("budget_projet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_projet_organization_id"))

    op.drop_table("budget_projet")
    with op.batch_alter_table("affectation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affectation_projet_id"))
        batch_op.drop_index("ix_affectation_profile_id_date_debut")
        batch_op.drop_index(batch_op.f("ix_affectation_organization_id"))

    op.drop_table("affectation")
    with op.batch_alter_table("projet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projet_organization_id"))
        batch_op.drop_index(batch_op.f("ix_projet_client_id"))
        batch_op.drop_index(batch_op.f("ix_projet_chef_projet_id"))

    op.drop_table("projet")
    with op.batch_alter_table("message_reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_reactions_user_id"))
        batch_op.drop_index(batch_op.f("ix_message_reactions_organization_id"))

    op.drop_table("message_reactions")
    with op.batch_alter_table("profile_competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_competences_organization_id"))
        batch_op.drop_index(batch_op.f("ix_profile_competences_competence_id"))

    op.drop_table("profile_competences")
    with op.batch_alter_table("organization_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_invitations_organization_id"))
        batch_op.drop_index("ix_organization_invitations_email")

    op.drop_table("organization_invitations")
    with op.batch_alter_table("organization_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_channels_organization_id"))
        batch_op.drop_index(batch_op.f("ix_organization_channels_created_by"))

    op.drop_table("organization_channels")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_read_at")
        batch_op.drop_index(batch_op.f("ix_notifications_organization_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_codes_organization_id"))

    op.drop_table("join_codes")
    with op.batch_alter_table("group_chat_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_chat_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_chat_members_organization_id"))

    op.drop_table("group_chat_members")
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_direct_messages_sender_id_recipient_id")
        batch_op.drop_index(batch_op.f("ix_direct_messages_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_direct_messages_parent_id"))
        batch_op.drop_index(batch_op.f("ix_direct_messages_organization_id"))

    op.drop_table("direct_messages")
    with op.batch_alter_table("consultant_details", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultant_details_profile_id"))
        batch_op.drop_index(batch_op.f("ix_consultant_details_organization_id"))

    op.drop_table("consultant_details")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_organization_id"))
        batch_op.drop_index(batch_op.f("ix_client_contact_user_id"))

    op.drop_table("client")
    with op.batch_alter_table("channel_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_messages_sender_id"))
        batch_op.drop_index(batch_op.f("ix_channel_messages_parent_id"))
        batch_op.drop_index(batch_op.f("ix_channel_messages_organization_id"))
        batch_op.drop_index("ix_channel_messages_created_at")

    op.drop_table("channel_messages")
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_logs_user_id"))
        batch_op.drop_index("ix_activity_logs_resource_type_resource_id")
        batch_op.drop_index(batch_op.f("ix_activity_logs_organization_id"))
        batch_op.drop_index("ix_activity_logs_created_at")

    op.drop_table("activity_logs")
    with op.batch_alter_table("user_organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_organizations_organization_id"))

    op.drop_table("user_organizations")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_family_id"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profiles_organization_id"))
        batch_op.drop_index(batch_op.f("ix_profiles_manager_id"))

    op.drop_table("profiles")
    with op.batch_alter_table("group_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_chats_organization_id"))
        batch_op.drop_index(batch_op.f("ix_group_chats_created_by"))

    op.drop_table("group_chats")
    with op.batch_alter_table("competence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competence_organization_id"))

    op.drop_table("competence")
    with op.batch_alter_table("channel_sequences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_sequences_organization_id"))

    op.drop_table("channel_sequences")
    with op.batch_alter_table("channel_read_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_read_states_organization_id"))

    op.drop_table("channel_read_states")
    op.drop_table("users")
    op.drop_table("organizations")
