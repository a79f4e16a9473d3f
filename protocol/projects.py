"""Clients and projects.

A project carries `version` (its ETag; a PATCH with a stale `If-Match` answers 412) and
`channel_id`, the id of the project chat channel created with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from .common import Day, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import ProjectStatus
from .legal import AddressLine, City, CountryCode, PostCode, VatNumber


class ClientCreate(Request):
    """`contact_user_id`: a member of the organization (often one with the CLIENT role),
    who then reads this client and its projects."""

    nom: Name
    contact_principal: ShortText | None = None
    contact_user_id: uuid.UUID | None = None
    secteur: ShortText | None = None
    adresse: AddressLine | None = None
    code_postal: PostCode | None = None
    ville: City | None = None
    pays: CountryCode | None = None
    numero_tva: VatNumber | None = None


class ClientPatch(Patch):
    nom: NotNull[Name] = None
    contact_principal: ShortText | None = None
    contact_user_id: uuid.UUID | None = None
    secteur: ShortText | None = None
    adresse: AddressLine | None = None
    code_postal: PostCode | None = None
    ville: City | None = None
    pays: CountryCode | None = None
    numero_tva: VatNumber | None = None


class ClientOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    nom: str
    contact_principal: str | None
    contact_user_id: uuid.UUID | None
    secteur: str | None
    adresse: str | None = None
    code_postal: str | None = None
    ville: str | None = None
    pays: str | None = None
    numero_tva: str | None = None
    created_at: datetime
    updated_at: datetime


class ProjectCreate(Request):
    """`nom` is unique in the organization; `date_fin_prevue` (if any) >= `date_debut`;
    `client_id` is a client of the organization; `chef_projet_id` a member."""

    nom: Name
    client_id: uuid.UUID
    chef_projet_id: uuid.UUID | None = None
    description: ShortText | None = None
    date_debut: Day
    date_fin_prevue: Day | None = None
    statut: ProjectStatus = ProjectStatus.ACTIF


class ProjectPatch(Patch):
    nom: NotNull[Name] = None
    client_id: NotNull[uuid.UUID] = None
    chef_projet_id: uuid.UUID | None = None
    description: ShortText | None = None
    date_debut: NotNull[Day] = None
    date_fin_prevue: Day | None = None
    statut: NotNull[ProjectStatus] = None


class ProjectQuery(ListQuery):
    statut: ProjectStatus | None = None
    client_id: uuid.UUID | None = None


class ProjectOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    client_id: uuid.UUID
    chef_projet_id: uuid.UUID | None
    nom: str
    description: str | None
    date_debut: date
    date_fin_prevue: date | None
    statut: ProjectStatus
    version: int
    # The project's chat channel: `{type: "project", id: channel_id}`.
    channel_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
