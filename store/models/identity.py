"""Accounts, credentials, organizations and membership."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import (
    EmailNotifications,
    InvitationRole,
    JoinCodeRole,
    Locale,
    MemberRole,
    UserRole,
    UserStatus,
)
from protocol.orgs import DEFAULT_TIMEZONE

from .base import Base, CreatedAt, OrgScoped, Timestamps, UUIDPk, enum_column, fk, in_check, utcnow


class User(UUIDPk, Timestamps, Base):
    """Credentials, in place of Supabase's `auth.users`; `profiles.id` equals `users.id`.

    `email_normalized` (lowercased) carries the case-insensitive uniqueness.
    """

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(Text)
    email_normalized: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    external_subject: Mapped[str | None] = mapped_column(Text, unique=True)
    disabled_at: Mapped[datetime | None]
    # When the owner proved the address is theirs (a mailed link, a reset, or a provider's
    # `email_verified`); None: a local account that may not sign in yet.
    email_verified_at: Mapped[datetime | None]


class RefreshToken(UUIDPk, CreatedAt, Base):
    """An opaque refresh token, stored as its SHA-256; one row per issued token.

    Tokens of one login share `family_id`; presenting a token whose `used_at` is set
    revokes the family (theft detection by rotation).
    """

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = fk("users.id", "CASCADE", index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Organization(UUIDPk, Timestamps, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("length(slug) >= 3 AND length(slug) <= 50", name="slug_length"),
        # Portable spelling of ^[a-z0-9-]+$: no character outside the set.
        CheckConstraint("slug NOT GLOB '*[^a-z0-9-]*'", name="slug_pattern").ddl_if(
            dialect="sqlite"
        ),
        CheckConstraint("slug ~ '^[a-z0-9-]+$'", name="slug_pattern").ddl_if(dialect="postgresql"),
    )

    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    logo_url: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    # IANA name of the firm's time zone: what "today" is for its invoices, milestones,
    # timesheets and analytics (server/services/clock.py). Validated by the service.
    timezone: Mapped[str] = mapped_column(
        Text, default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE
    )
    # Legal details printed on its invoices (docs/invoices.md), validated by protocol/legal.py.
    siren: Mapped[str | None] = mapped_column(Text)
    siret: Mapped[str | None] = mapped_column(Text)
    numero_tva: Mapped[str | None] = mapped_column(Text)
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    ville: Mapped[str | None] = mapped_column(Text)
    pays: Mapped[str | None] = mapped_column(Text)
    iban: Mapped[str | None] = mapped_column(Text)
    bic: Mapped[str | None] = mapped_column(Text)


class Profile(Timestamps, Base):
    __tablename__ = "profiles"
    __table_args__ = (
        in_check("role", "role", UserRole),
        in_check("status", "status", UserStatus),
        in_check("locale", "locale", Locale),
        in_check("email_notifications", "email_notifications", EmailNotifications),
    )

    id: Mapped[uuid.UUID] = fk("users.id", "CASCADE", primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    nom: Mapped[str] = mapped_column(Text)
    prenom: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = enum_column(UserRole.CONSULTANT)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = enum_column(UserStatus.OFFLINE)
    last_seen: Mapped[datetime | None] = mapped_column(default=utcnow)
    organization_id: Mapped[uuid.UUID | None] = fk("organizations.id", "SET NULL", index=True)
    manager_id: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    # Language of the user's mails.
    locale: Mapped[str] = enum_column(Locale.FR)
    email_notifications: Mapped[str] = enum_column(EmailNotifications.DIGEST)
    # Notifications created up to this instant were covered by a digest (or the user
    # unsubscribed then); the next digest tells only of newer ones.
    email_digest_at: Mapped[datetime | None]


class UserOrganization(UUIDPk, Timestamps, Base):
    __tablename__ = "user_organizations"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id"),
        in_check("role", "role", MemberRole),
    )

    user_id: Mapped[uuid.UUID] = fk("users.id", "CASCADE")
    organization_id: Mapped[uuid.UUID] = fk("organizations.id", "CASCADE", index=True)
    role: Mapped[str] = enum_column(MemberRole.MEMBER)
    joined_at: Mapped[datetime | None] = mapped_column(default=utcnow)


class JoinCode(UUIDPk, OrgScoped, CreatedAt, Base):
    __tablename__ = "join_codes"
    __table_args__ = (
        in_check("role", "role", JoinCodeRole),
        CheckConstraint("max_uses IS NULL OR max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("uses >= 0", name="uses_non_negative"),
    )

    code: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = fk("profiles.id")
    expires_at: Mapped[datetime | None]
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0, server_default="0")


class OrganizationInvitation(UUIDPk, OrgScoped, CreatedAt, Base):
    """An email invitation; the accept token is stored only as its SHA-256."""

    __tablename__ = "organization_invitations"
    __table_args__ = (
        in_check("role", "role", InvitationRole),
        Index("ix_organization_invitations_email", "email"),
    )

    email: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = fk("profiles.id")
    accepted_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
