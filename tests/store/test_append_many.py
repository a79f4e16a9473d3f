"""`store.messages.append_many`, the bulk seeding used by the benchmark's 1M-message channel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from protocol.enums import ChannelType
from store import messages
from store.db import create_engine, create_session_factory
from tests.store.builders import add_tenant


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def test_appended_messages_take_the_next_seqs_and_advance_the_sequence(
    engine: AsyncEngine,
) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        tenant = await add_tenant(session)
        conv = messages.Conversation(tenant.org.id, ChannelType.GROUP, uuid.uuid4())
        assert await messages.append_many(session, conv, tenant.user.id, ["a", "b"]) == 2
        assert await messages.append_many(session, conv, tenant.user.id, ["c"]) == 3
        assert await messages.append_many(session, conv, tenant.user.id, []) == 3
        rows, more = await messages.history(
            session, conv, before_seq=None, after_seq=None, limit=10
        )
    assert not more
    assert [(m.seq, m.content) for m in rows] == [(1, "a"), (2, "b"), (3, "c")]
    async with sessions() as session, session.begin():
        assert await messages.last_seq(session, conv) == 3
