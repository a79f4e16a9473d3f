"""Test data built through the public API, as a client would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct horse battery staple"


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
    client: Client, email: str | None = None, *, prenom: str = "Claire", nom: str = "Martin"
) -> User:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    resp = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "prenom": prenom, "nom": nom},
    )
    tokens = await expect(resp, 201)
    me = await expect(
        await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ),
        200,
    )
    return User(uuid.UUID(me["id"]), email, tokens["access_token"], tokens["refresh_token"])
