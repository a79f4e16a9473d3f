"""Rows for store-level tests, built through the ORM (the store), never raw SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    ChannelMessage,
    Client,
    Organization,
    Profile,
    Projet,
    Tache,
    TempsPasse,
    User,
    UserOrganization,
)


@dataclass
class Tenant:
    org: Organization
    user: Profile
    client: Client
    project: Projet
    task: Tache


async def add_user(session: AsyncSession, email: str | None = None) -> Profile:
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    user = User(email=email, email_normalized=email.lower(), password_hash="x")
    session.add(user)
    await session.flush()
    profile = Profile(id=user.id, email=email, nom="Martin", prenom="Claire")
    session.add(profile)
    await session.flush()
    return profile


async def add_tenant(session: AsyncSession, slug: str | None = None) -> Tenant:
    org = Organization(name="Acme Conseil", slug=slug or f"acme-{uuid.uuid4().hex[:8]}")
    session.add(org)
    await session.flush()
    user = await add_user(session)
    session.add(UserOrganization(user_id=user.id, organization_id=org.id, role="OWNER"))
    client = Client(organization_id=org.id, nom="Banque du Nord")
    session.add(client)
    await session.flush()
    project = Projet(
        organization_id=org.id, client_id=client.id, nom="Refonte SI", date_debut=date(2026, 1, 5)
    )
    session.add(project)
    await session.flush()
    task = Tache(organization_id=org.id, projet_id=project.id, nom="Cadrage")
    session.add(task)
    await session.flush()
    return Tenant(org=org, user=user, client=client, project=project, task=task)


def time_entry(tenant: Tenant, hours: str) -> TempsPasse:
    return TempsPasse(
        organization_id=tenant.org.id,
        projet_id=tenant.project.id,
        profile_id=tenant.user.id,
        tache_id=tenant.task.id,
        date=date(2026, 2, 2),
        heures_travaillees=Decimal(hours),
    )


def message(tenant: Tenant, seq: int, content: str = "bonjour") -> ChannelMessage:
    return ChannelMessage(
        organization_id=tenant.org.id,
        channel_type="organization",
        channel_id=uuid.uuid4(),
        seq=seq,
        sender_id=tenant.user.id,
        content=content,
    )
