"""Access tokens are verified once per process and answered from memory afterwards
(server/auth/tokens.py): a REST request's rate limit and its caller each need the claims,
and a client sends the same token for minutes. Memory never outlives the token's `exp`,
and only the exact text that was verified is answered from it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import jwt
import pytest

from protocol.errors import AppError
from server.auth import tokens
from server.auth.tokens import TokenService
from server.settings import Settings
from tests.factories import Client, create_org, expect, register


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature check tokens.py makes from now on."""
    checked: list[str] = []
    original = jwt.decode

    def decode(token: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("options", {}).get("verify_signature", True):
            checked.append(token)
        return original(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", decode)
    return checked


async def test_a_token_is_checked_once_then_answered_from_memory(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(client)
    checked = _counting(monkeypatch)
    org = await create_org(client, owner)
    for _ in range(3):
        await expect(await client.get(f"/api/v1/orgs/{org['id']}", headers=owner.headers), 200)
    # The token was checked when registering used it first; four requests later, no
    # check again (it used to be two per request: the rate limit's key, then the caller).
    assert checked == []


async def test_memory_ends_with_the_token_and_answers_only_its_exact_text(
    settings: Settings,
) -> None:
    service = TokenService(settings.model_copy(update={"access_token_ttl_seconds": 1}), "s" * 40)
    token = service.issue_access(uuid.uuid4(), uuid.uuid4())
    assert service.verify(token).user_id is not None
    head, _, signature = token.rpartition(".")
    forged = f"{head}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}"
    with pytest.raises(AppError):
        service.verify(forged)
    assert service.verify(token) is service.verify(token)
    await asyncio.sleep(1.1)
    with pytest.raises(AppError) as refused:
        service.verify(token)
    assert refused.value.code.value == "unauthorized"
