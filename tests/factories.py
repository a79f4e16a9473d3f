"""Test data built through the public API, as a client would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from protocol.orgs import DEFAULT_TIMEZONE
from server.services.clock import local_date

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct horse battery staple"
# Database of each server started in another process (tests/serverproc.py), by base URL:
# an account registered through it is confirmed in that database.
SERVER_DATABASES: dict[str, str] = {}


@dataclass
class User:
    id: uuid.UUID
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def expect(resp: Any, status: int) -> Any:
    """The JSON body of `resp`, after checking its status (the body is shown on mismatch)."""
    body = await resp.json() if resp.content_type.endswith("json") else await resp.text()
    assert resp.status == status, body
    return body


async def register(
    client: Client,
    email: str | None = None,
    *,
    prenom: str = "Claire",
    nom: str = "Martin",
    database_url: str | None = None,
) -> User:
    """A confirmed account, signed in. `database_url`: for a client of a server in
    another process (the address is confirmed through the store)."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    resp = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "prenom": prenom, "nom": nom},
    )
    await expect(resp, 202)
    await confirm_address(client, email, database_url)
    resp = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    tokens = await expect(resp, 200)
    me = await expect(
        await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ),
        200,
    )
    return User(uuid.UUID(me["id"]), email, tokens["access_token"], tokens["refresh_token"])


async def confirm_address(client: Client, email: str, database_url: str | None = None) -> None:
    """Mark the address confirmed through the store, as its mailed link would (the
    mail flow itself is proven in tests/server/rest/test_accounts.py)."""
    from datetime import UTC, datetime

    from server.keys import SESSIONS
    from store import users
    from store.db import create_engine, create_session_factory, unit_of_work

    if database_url is None and getattr(client, "app", None) is None:
        database_url = SERVER_DATABASES[str(getattr(client, "_base_url", ""))]
    engine = create_engine(database_url) if database_url is not None else None
    try:
        if engine is not None:
            sessions = create_session_factory(engine)
        else:
            assert client.app is not None
            sessions = client.app[SESSIONS]
        async with unit_of_work(sessions) as session:
            user = await users.get_user_by_email(session, email)
            assert user is not None, email
            await users.mark_email_verified(session, user.id, datetime.now(UTC))
    finally:
        if engine is not None:
            await engine.dispose()


async def create_org(client: Client, owner: User, name: str | None = None, **fields: Any) -> Any:
    """An organization created by `owner` (who becomes its OWNER); the OrgOut body."""
    body = {"name": name or f"Org {uuid.uuid4().hex[:8]}", **fields}
    return await expect(await client.post("/api/v1/orgs", json=body, headers=owner.headers), 201)


async def add_member(
    client: Client,
    owner: User,
    org_id: Any,
    role: str = "MEMBER",
    email: str | None = None,
    mailbox: Any = None,
    database_url: str | None = None,
) -> User:
    """A new user made a member of `org_id` with `role`, as a real one would be: invited
    by `owner`, accepted, then (for roles an invitation cannot carry) given the role.
    With SMTP configured the token is only in the invitee's mail: pass the `mailbox`."""
    user = await register(client, email, database_url=database_url)
    invited_as = role if role in {"OWNER", "ADMIN", "MANAGER", "MEMBER"} else "MEMBER"
    created = await expect(
        await client.post(
            f"/api/v1/orgs/{org_id}/invitations",
            json={"email": user.email, "role": invited_as},
            headers=owner.headers,
        ),
        201,
    )
    token = created["token"]
    if token is None:
        from tests.mailbox import invitation_token

        assert mailbox is not None, "with SMTP the token is only in the invitee's mail"
        token = await invitation_token(mailbox, user.email)
    await expect(
        await client.post(
            "/api/v1/invitations/accept", json={"token": token}, headers=user.headers
        ),
        201,
    )
    if invited_as != role:
        await expect(
            await client.patch(
                f"/api/v1/orgs/{org_id}/members/{user.id}",
                json={"role": role},
                headers=owner.headers,
            ),
            200,
        )
    return user


async def read_activity(database_url: str, org_id: Any, **filters: Any) -> list[Any]:
    """The organization's activity_logs rows, newest first (read through the store)."""
    from store import activity
    from store.db import create_engine, create_session_factory

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows, _ = await activity.list_activity(
                session, org_id=uuid.UUID(str(org_id)), cursor=None, limit=200, **filters
            )
            return rows
    finally:
        await engine.dispose()


def record_effects(monkeypatch: Any) -> list[Any]:
    """Effects (emits, access signals) the services publish after commit, recorded while still
    being published; `monkeypatch` is pytest's fixture."""
    from server.bus import Bus

    published: list[Any] = []
    original = Bus.publish

    async def publish(self: Bus, effects: list[Any]) -> None:
        published.extend(effects)
        await original(self, effects)

    monkeypatch.setattr(Bus, "publish", publish)
    return published


def firm_today() -> date:
    """Today for an organization of the default time zone (Europe/Paris), as the server
    reads it: what test data placed "N days from today" is measured against."""
    return local_date(datetime.now(UTC), DEFAULT_TIMEZONE)
