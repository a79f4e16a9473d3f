"""Migration 0012's search speed-ups on PostgreSQL: the messages' GIN index stays usable
under Row Level Security, and only the newest RANK_WINDOW matches are ranked. (The
figures are bench/'s `search` mode; nothing here is timed.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from protocol.enums import ChannelType
from store import messages, search, tenancy
from store.db import create_engine, create_session_factory
from tests.store.builders import add_tenant

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _channel(engine: AsyncEngine) -> tuple[messages.Conversation, uuid.UUID]:
    async with create_session_factory(engine)() as session, session.begin():
        tenant = await add_tenant(session)
    conv = messages.Conversation(tenant.org.id, ChannelType.ORGANIZATION, uuid.uuid4())
    return conv, tenant.user.id


async def _append(
    engine: AsyncEngine, conv: messages.Conversation, sender: uuid.UUID, texts: list[str]
) -> None:
    async with create_session_factory(engine)() as session, session.begin():
        await messages.append_many(session, conv, sender, texts)


async def test_the_server_role_can_search_messages_through_the_gin_index(
    engine: AsyncEngine, database_url: str
) -> None:
    conv, sender = await _channel(engine)
    # Enough rows of the organization that its btree index is no match for the GIN one.
    await _append(engine, conv, sender, ["réunion d'équipe"] + ["autre chose"] * 3000)
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE channel_messages"))
        await conn.commit()
    app = create_engine(database_url, pool_size=1, role=tenancy.DEFAULT_APP_ROLE)
    try:
        async with create_session_factory(app)() as session, session.begin():
            await tenancy.scope_to_organization(session, conv.org_id)
            # Only a condition allowed ahead of the tenant policy (LEAKPROOF) can become
            # the index condition.
            plan = "\n".join(
                (
                    await session.execute(
                        text(
                            "EXPLAIN SELECT id FROM channel_messages WHERE search_vector "
                            "@@ websearch_to_tsquery('aurentia_french', 'equipe')"
                        )
                    )
                ).scalars()
            )
            found = (
                await session.execute(
                    text(
                        "SELECT content FROM channel_messages WHERE search_vector "
                        "@@ websearch_to_tsquery('aurentia_french', 'equipe')"
                    )
                )
            ).scalars()
            assert list(found) == ["réunion d'équipe"]
    finally:
        await app.dispose()
    assert "ix_channel_messages_content_fts" in plan, plan


async def test_only_the_newest_matches_are_ranked(engine: AsyncEngine) -> None:
    conv, sender = await _channel(engine)
    # The best match of all is older than RANK_WINDOW other matches: not ranked.
    await _append(engine, conv, sender, ["facture facture facture ancienne"])
    newer = ["facture récente"] * (search.RANK_WINDOW - 1) + ["facture facture facture neuve"]
    await _append(engine, conv, sender, newer)
    async with create_session_factory(engine)() as session, session.begin():
        hits, more = await search.search_messages(
            session,
            org_id=conv.org_id,
            conversations=[conv],
            query=search.Query("facture"),
            limit=search.RANK_WINDOW,
        )
    contents = [hit.row.content for hit in hits]
    assert contents[0] == "facture facture facture neuve"
    assert "facture facture facture ancienne" not in contents
    assert len(contents) == search.RANK_WINDOW and not more


async def test_a_search_is_planned_for_its_own_words_however_often_it_runs(
    engine: AsyncEngine,
) -> None:
    """Prepared statements may fall back to one generic plan after five runs; for a search
    that plan is the one for any word (a backward scan reading the whole organization for
    a rare one), so each search transaction asks for plans made with its words."""
    conv, sender = await _channel(engine)
    await _append(engine, conv, sender, ["réunion d'équipe"])
    for _ in range(7):
        async with create_session_factory(engine)() as session, session.begin():
            await tenancy.scope_to_organization(session, conv.org_id)
            hits, _ = await search.search_messages(
                session,
                org_id=conv.org_id,
                conversations=[conv],
                query=search.Query("equipe"),
                limit=10,
            )
            assert len(hits) == 1
            mode = await session.scalar(text("SELECT current_setting('plan_cache_mode')"))
            assert mode == "force_custom_plan"
    async with create_session_factory(engine)() as session, session.begin():
        # For that transaction only.
        assert await session.scalar(text("SELECT current_setting('plan_cache_mode')")) == "auto"


async def test_the_planner_knows_a_channel_belongs_to_one_organization(
    engine: AsyncEngine,
) -> None:
    """Migration 0013: without these statistics the organization and channel filters were
    multiplied as independent, and a mid-frequency word got a plan 10 times slower."""
    async with engine.connect() as conn:
        dependencies = await conn.scalar(
            text(
                "SELECT 'f' = ANY(stxkind) FROM pg_statistic_ext "  # f: functional dependencies
                "WHERE stxname = 'st_channel_messages_channel_organization'"
            )
        )
    assert dependencies is True
