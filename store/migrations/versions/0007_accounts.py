"""accounts: verified addresses, mailed tokens, mail outbox, mail locale

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

- `users.email_verified_at`: accounts existing before this migration are taken as
  verified (their creation time), since they were admitted without the check and
  refusing them now would lock every current user out.
- `profiles.locale` (`fr` by default, or `en`): the language of the user's mails.
- `profiles.email_notifications` (`off`, `digest` by default, `daily`) and
  `profiles.email_digest_at`: the notification digest mail and how far it reached.
- `account_tokens`: single-use verification and password-reset tokens (SHA-256 only).
- `mail_outbox`: mails written by the transaction that decided them, sent after commit
  by a worker with retries (server/mail/outbox.py).

None of these tables holds an organization's rows: no Row Level Security policy.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(
            sa.Column("locale", sa.Text(), server_default="fr", nullable=False)
        )
        batch.create_check_constraint("locale", "locale IN ('fr', 'en')")
        batch.add_column(
            sa.Column(
                "email_notifications", sa.Text(), server_default="digest", nullable=False
            )
        )
        batch.create_check_constraint(
            "email_notifications", "email_notifications IN ('off', 'digest', 'daily')"
        )
        batch.add_column(sa.Column("email_digest_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'reset_password')",
            name=op.f("ck_account_tokens_purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column(
            "headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["failed_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("email_digest_at")
        batch.drop_constraint("email_notifications", type_="check")
        batch.drop_column("email_notifications")
        batch.drop_constraint("locale", type_="check")
        batch.drop_column("locale")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
