"""The database itself refuses bad rows and removes an organization's data with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.db import create_engine, create_session_factory, unit_of_work
from store.models import (
    ChannelMessage,
    Competence,
    Organization,
    ProfileCompetence,
    Projet,
    Tache,
    TempsPasse,
)
from tests.store.builders import add_tenant, message, time_entry


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> Callable[[], Any]:
    factory = create_session_factory(engine)
    return lambda: unit_of_work(factory)


async def _refused(sessions: Callable[[], Any], build: Callable[[AsyncSession], Any]) -> str:
    with pytest.raises(IntegrityError) as caught:
        async with sessions() as session:
            await build(session)
            await session.flush()
    return str(caught.value.orig).lower()


async def test_negative_hours_are_refused_by_the_database(sessions: Callable[[], Any]) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        session.add(time_entry(tenant, "-1"))

    assert "heures" in await _refused(sessions, build)


async def test_more_than_24_hours_are_refused_by_the_database(sessions: Callable[[], Any]) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        session.add(time_entry(tenant, "24.5"))

    assert "heures" in await _refused(sessions, build)


async def test_skill_level_six_is_refused_by_the_database(sessions: Callable[[], Any]) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        skill = Competence(organization_id=tenant.org.id, nom="Python")
        session.add(skill)
        await session.flush()
        session.add(
            ProfileCompetence(
                organization_id=tenant.org.id,
                profile_id=tenant.user.id,
                competence_id=skill.id,
                niveau=6,
            )
        )

    assert "niveau" in await _refused(sessions, build)


@pytest.mark.parametrize("slug", ["Acme", "ac", "a" * 51, "acme conseil", "acmé"])
async def test_malformed_slugs_are_refused_by_the_database(
    sessions: Callable[[], Any], slug: str
) -> None:
    async def build(session: AsyncSession) -> None:
        session.add(Organization(name="Acme", slug=slug))

    assert "slug" in await _refused(sessions, build)


async def test_unknown_task_status_is_refused_by_the_database(sessions: Callable[[], Any]) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        tenant.task.statut = "BLOCKED"

    assert "statut" in await _refused(sessions, build)


async def test_duplicate_project_name_in_one_organization_is_refused(
    sessions: Callable[[], Any],
) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        session.add(
            Projet(
                organization_id=tenant.org.id,
                client_id=tenant.client.id,
                nom=tenant.project.nom,
                date_debut=tenant.project.date_debut,
            )
        )

    await _refused(sessions, build)


async def test_message_seq_is_unique_per_channel(sessions: Callable[[], Any]) -> None:
    async def build(session: AsyncSession) -> None:
        tenant = await add_tenant(session)
        first = message(tenant, 1)
        session.add(first)
        await session.flush()
        twin = message(tenant, 1)
        twin.channel_id = first.channel_id
        session.add(twin)

    await _refused(sessions, build)


async def test_deleting_an_organization_removes_its_data(sessions: Callable[[], Any]) -> None:
    async with sessions() as session:
        doomed = await add_tenant(session)
        kept = await add_tenant(session)
        for tenant in (doomed, kept):
            session.add(time_entry(tenant, "7.5"))
            session.add(message(tenant, 1))

    async with sessions() as session:
        await session.delete(await session.get(Organization, doomed.org.id))

    async with sessions() as session:
        for model in (Projet, Tache, TempsPasse, ChannelMessage):
            remaining = await session.scalars(select(model.organization_id))
            assert set(remaining) == {kept.org.id}, model.__tablename__


async def _updated_at(session: AsyncSession, task_id: Any) -> datetime:
    value = await session.scalar(select(Tache.updated_at).where(Tache.id == task_id))
    assert value is not None
    return value


async def test_updated_at_moves_on_orm_bulk_and_raw_updates(sessions: Callable[[], Any]) -> None:
    async with sessions() as session:
        tenant = await add_tenant(session)
    task_id = tenant.task.id
    before = tenant.task.updated_at
    assert before.tzinfo is UTC

    async def changed_since(previous: datetime, statement: Any) -> datetime:
        await asyncio.sleep(0.01)
        async with sessions() as session:
            await session.execute(statement)
        async with sessions() as session:
            now = await _updated_at(session, task_id)
        assert now > previous
        return now

    after_bulk = await changed_since(
        before, update(Tache).where(Tache.id == task_id).values(nom="Cadrage v2")
    )
    # A write that bypasses SQLAlchemy entirely: only the trigger can keep it right.
    after_raw = await changed_since(
        after_bulk,
        text("UPDATE tache SET nom = 'Cadrage v3' WHERE nom = 'Cadrage v2'"),
    )
    await asyncio.sleep(0.01)
    async with sessions() as session:
        task = await session.get(Tache, task_id)
        assert task is not None
        task.priority = "high"
    async with sessions() as session:
        assert await _updated_at(session, task_id) > after_raw


async def test_money_and_hours_keep_their_decimal_value(sessions: Callable[[], Any]) -> None:
    async with sessions() as session:
        tenant = await add_tenant(session)
        session.add(time_entry(tenant, "7.25"))
    async with sessions() as session:
        hours = await session.scalar(select(func.sum(TempsPasse.heures_travaillees)))
    assert Decimal(str(hours)) == Decimal("7.25")
