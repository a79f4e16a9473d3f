"""Organizations, members, join codes and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints

from .auth import ProfileOut
from .common import Instant, Name, NotNull, Patch, Request, ShortText, Url
from .enums import InvitationRole, JoinCodeRole, MemberRole
from .legal import AddressLine, Bic, City, CountryCode, FrVatNumber, Iban, PostCode, Siren, Siret

Slug = Annotated[
    str, StringConstraints(min_length=3, max_length=50, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
DEFAULT_TIMEZONE = "Europe/Paris"


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _iana_zone(name: str) -> str:
    """An IANA zone name the server knows ("Europe/Paris"), exactly as spelled there."""
    if name not in _zones():
        raise ValueError("not an IANA time zone name (e.g. Europe/Paris)")
    return name


TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_iana_zone)
]
JoinCodeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64)]


class OrgCreate(Request):
    name: Name
    slug: Slug | None = None
    description: ShortText | None = None
    logo_url: Url | None = None
    website: Url | None = None
    image: Url | None = None
    timezone: TimeZoneName = DEFAULT_TIMEZONE


class OrgPatch(Patch):
    name: NotNull[Name] = None
    slug: NotNull[Slug] = None
    description: ShortText | None = None
    logo_url: Url | None = None
    website: Url | None = None
    image: Url | None = None
    timezone: NotNull[TimeZoneName] = None
    # The firm's legal details, printed on its invoices (docs/invoices.md); null clears.
    # The service checks that the SIRET begins with the SIREN as they stand after the change.
    siren: Siren | None = None
    siret: Siret | None = None
    numero_tva: FrVatNumber | None = None
    adresse: AddressLine | None = None
    code_postal: PostCode | None = None
    ville: City | None = None
    pays: CountryCode | None = None
    iban: Iban | None = None
    bic: Bic | None = None


class OrgOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    logo_url: str | None
    website: str | None
    image: str | None
    timezone: str
    siren: str | None = None
    siret: str | None = None
    numero_tva: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    ville: str | None = None
    pays: str | None = None
    iban: str | None = None
    bic: str | None = None
    created_at: datetime
    updated_at: datetime
    role: MemberRole


class MemberOut(BaseModel):
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: MemberRole
    joined_at: datetime | None
    profile: ProfileOut


class MemberPatch(Request):
    role: MemberRole


class JoinCodeCreate(Request):
    role: JoinCodeRole = JoinCodeRole.MEMBER
    # A naive time would be read differently by each server's clock: refused (422).
    expires_at: Instant | None = None
    max_uses: int | None = Field(default=None, ge=1, le=100_000)


class JoinCodeOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    code: str
    role: JoinCodeRole
    created_by: uuid.UUID
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    created_at: datetime


class JoinRequest(Request):
    code: JoinCodeText


class InvitationCreate(Request):
    email: EmailStr
    role: InvitationRole = InvitationRole.MEMBER
    expires_in_days: int = Field(default=7, ge=1, le=90)


class InvitationOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: InvitationRole
    invited_by: uuid.UUID
    accepted_at: datetime | None
    expires_at: datetime
    created_at: datetime


class InvitationCreated(InvitationOut):
    """The creation (or resend) answer. The invitee is mailed the link; `token` is
    null once mail really leaves (SMTP_URL set): only the invitee ever sees it. Without
    SMTP (mails written to MAIL_OUTBOX_DIR) it is shown once, here, for the inviter to
    pass on. Stored hashed, never shown again."""

    token: str | None


class AcceptInvitation(Request):
    token: Annotated[str, StringConstraints(min_length=16, max_length=256)]
