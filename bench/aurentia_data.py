"""Users, organizations and channels for the Aurentia runs, made through the REST API as
a client would; the 1M-message channel is seeded once through the store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import text

from protocol.enums import ChannelType
from store import messages, users
from store.db import create_engine, create_session_factory

PASSWORD = "correct horse battery staple"
HISTORY_OWNER = "bench-history-owner@example.com"
# Texts of `count` messages from seq `first`.
Contents = Callable[[int, int], list[str]]


def history_contents(first: int, count: int) -> list[str]:
    return [f"message d'historique {first + i}" for i in range(count)]


@dataclass
class Person:
    id: str
    email: str
    token: str


class Api:
    def __init__(self, session: aiohttp.ClientSession, base: str, database_url: str) -> None:
        self.session, self.base = session, base
        # A registered address is confirmed through the store, as its mailed link would.
        self._engine = create_engine(database_url, pool_size=1)

    async def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.base + path, headers=headers, **kw) as resp:
            body = await resp.json() if resp.content_type.endswith("json") else await resp.text()
            if resp.status >= 400:
                raise RuntimeError(f"{method} {path}: {resp.status} {body}")
            return body

    async def person(self, email: str | None = None) -> Person:
        email = email or f"bench-{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": email, "password": PASSWORD, "prenom": "Bench", "nom": "User"}
        # 202 whether the address is new or taken; it signs in once confirmed.
        await self.call("POST", "/api/v1/auth/register", json=body)
        await self._confirm(email)
        tokens = await self.call(
            "POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        me = await self.call("GET", "/api/v1/me", tokens["access_token"])
        return Person(me["id"], email, tokens["access_token"])

    async def _confirm(self, email: str) -> None:
        async with create_session_factory(self._engine)() as session, session.begin():
            user = await users.get_user_by_email(session, email)
            if user is not None:
                await users.mark_email_verified(session, user.id, datetime.now(UTC))

    async def org(self, owner: Person) -> tuple[str, dict[str, Any]]:
        org = await self.call(
            "POST", "/api/v1/orgs", owner.token, json={"name": f"Bench {uuid.uuid4().hex[:6]}"}
        )
        listing = await self.call("GET", f"/api/v1/orgs/{org['id']}/channels", owner.token)
        (general,) = [c["channel"] for c in listing["items"] if c["channel"]["name"] == "general"]
        return org["id"], {"type": general["type"], "id": general["id"]}

    async def member(self, org_id: str, owner: Person) -> Person:
        user = await self.person()
        invite = await self.call(
            "POST",
            f"/api/v1/orgs/{org_id}/invitations",
            owner.token,
            json={"email": user.email, "role": "MEMBER"},
        )
        await self.call(
            "POST", "/api/v1/invitations/accept", user.token, json={"token": invite["token"]}
        )
        return user


@dataclass
class ChatOrg:
    org_id: str
    owner: Person
    members: list[Person]
    general: dict[str, Any]


async def chat_org(api: Api, members: int) -> ChatOrg:
    owner = await api.person()
    org_id, general = await api.org(owner)
    people = [await api.member(org_id, owner) for _ in range(members)]
    return ChatOrg(org_id, owner, people, general)


async def groups(api: Api, org: ChatOrg, count: int) -> list[dict[str, Any]]:
    """`count` group channels whose members are exactly org.members (created by the first)."""
    creator, *others = org.members
    refs = []
    for i in range(count):
        info = await api.call(
            "POST",
            f"/api/v1/orgs/{org.org_id}/groups",
            creator.token,
            json={"name": f"group {i}", "member_ids": [p.id for p in others]},
        )
        refs.append({"type": info["type"], "id": info["id"]})
    return refs


async def new_project(api: Api, token: str, org_id: str) -> str:
    """A new project of `org_id` (with a client of its own); its id."""
    base = f"/api/v1/orgs/{org_id}"
    customer = await api.call("POST", f"{base}/clients", token, json={"nom": "Client bench"})
    body = {"nom": f"Projet {uuid.uuid4().hex[:6]}", "client_id": customer["id"]}
    project = await api.call(
        "POST", f"{base}/projects", token, json={**body, "date_debut": "2026-01-05"}
    )
    return str(project["id"])


async def add_tasks(api: Api, token: str, org_id: str, project_id: str, count: int) -> None:
    """`count` tasks on the project's board, one request each."""
    path = f"/api/v1/orgs/{org_id}/projects/{project_id}/tasks"
    for i in range(count):
        await api.call("POST", path, token, json={"nom": f"Tâche {i}"})


async def board_project(api: Api, token: str, org_id: str, tasks: int) -> str:
    """A new project of `org_id` with `tasks` tasks on its board; its id."""
    project_id = await new_project(api, token, org_id)
    await add_tasks(api, token, org_id, project_id, tasks)
    return project_id


async def history_channel(
    api: Api,
    database_url: str,
    size: int,
    owner_email: str = HISTORY_OWNER,
    contents: Contents = history_contents,
) -> tuple[ChatOrg, int]:
    """The history benchmark's channel: the general channel of the organization owned by
    `owner_email`, topped up to `size` messages of `contents` with
    `messages.append_many` (once: later runs find it full). The search benchmark has its
    own owner and French text."""
    owner = await api.person(owner_email)
    orgs = await api.call("GET", "/api/v1/orgs", owner.token)
    if orgs["items"]:
        org_id = orgs["items"][0]["id"]
        listing = await api.call("GET", f"/api/v1/orgs/{org_id}/channels", owner.token)
        (state,) = [c for c in listing["items"] if c["channel"]["name"] == "general"]
        general = {"type": state["channel"]["type"], "id": state["channel"]["id"]}
        last = int(state["last_seq"])
    else:
        org_id, general = await api.org(owner)
        last = 0
    if last < size:
        last = await _seed(database_url, org_id, general["id"], owner.id, last, size, contents)
    return ChatOrg(org_id, owner, [], general), last


async def _seed(
    database_url: str,
    org_id: str,
    channel_id: str,
    sender: str,
    last: int,
    size: int,
    contents: Contents,
) -> int:
    engine = create_engine(database_url, pool_size=2)
    sessions = create_session_factory(engine)
    conv = messages.Conversation(uuid.UUID(org_id), ChannelType.ORGANIZATION, uuid.UUID(channel_id))
    batch = 20_000
    try:
        while last < size:
            n = min(batch, size - last)
            async with sessions() as session, session.begin():
                last = await messages.append_many(
                    session, conv, uuid.UUID(sender), contents(last + 1, n)
                )
            print(f"  seeded {last}/{size}", flush=True)
            await asyncio.sleep(0)
        # Fresh statistics: without them the planner misjudges the 1M-row channel (a
        # history page took 200 ms instead of 4 in a copy never analyzed).
        async with sessions() as session, session.begin():
            await session.execute(text("ANALYZE channel_messages"))
    finally:
        await engine.dispose()
    return last
