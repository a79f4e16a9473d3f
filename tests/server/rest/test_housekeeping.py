"""Housekeeping by the periodic job: idempotency keys past their 24 h and refresh tokens
past their retention are deleted; what a request may still need is kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from server.auth.tokens import hash_token
from server.keys import SERVICES
from server.policy import enter_organization
from server.services.housekeeping import sweep, token_retention
from store import idempotency, refresh_tokens
from tests.factories import Client, create_org, expect, register


def _services(client: Client) -> Any:
    return client.app[SERVICES]


async def _add_key(client: Client, org_id: uuid.UUID, user_id: uuid.UUID, key: str) -> None:
    svc = _services(client)
    ref = idempotency.KeyRef(org_id=org_id, user_id=user_id, route="POST /test", key=key)
    async with svc.tx() as tx:
        await enter_organization(tx.session, org_id)
        key_id = await idempotency.claim_key(tx.session, ref, request_hash="h")
        assert key_id is not None
        await idempotency.record_answer(
            tx.session, org_id=org_id, key_id=key_id, status=201, body={"ok": True}
        )


async def _key_exists(client: Client, org_id: uuid.UUID, user_id: uuid.UUID, key: str) -> bool:
    ref = idempotency.KeyRef(org_id=org_id, user_id=user_id, route="POST /test", key=key)
    async with _services(client).sessions() as session:
        await enter_organization(session, org_id)
        return await idempotency.get_key(session, ref) is not None


async def _token_exists(client: Client, token: str) -> bool:
    async with _services(client).sessions() as session:
        return await refresh_tokens.get_refresh_token(session, hash_token(token)) is not None


async def test_idempotency_keys_of_every_organization_are_deleted_after_24_hours(
    client: Client,
) -> None:
    owners = [await register(client), await register(client)]
    orgs = [uuid.UUID((await create_org(client, owner))["id"]) for owner in owners]
    for owner, org_id in zip(owners, orgs, strict=True):
        await _add_key(client, org_id, owner.id, "k1")
    now = datetime.now(UTC)

    kept = await sweep(_services(client), now + timedelta(hours=23))
    assert kept.idempotency_keys == 0
    for owner, org_id in zip(owners, orgs, strict=True):
        assert await _key_exists(client, org_id, owner.id, "k1")

    gone = await sweep(_services(client), now + timedelta(hours=25))
    assert gone.idempotency_keys == 2
    for owner, org_id in zip(owners, orgs, strict=True):
        assert not await _key_exists(client, org_id, owner.id, "k1")


async def test_expired_refresh_tokens_are_kept_for_the_retention_then_deleted(
    client: Client,
) -> None:
    user = await register(client)
    retention = token_retention(_services(client).settings)
    ttl = timedelta(seconds=_services(client).settings.refresh_token_ttl_seconds)
    now = datetime.now(UTC)

    # Expired (past its ttl) but not yet past the retention after its expiry: kept.
    assert (await sweep(_services(client), now + ttl + retention / 2)).refresh_tokens == 0
    assert await _token_exists(client, user.refresh_token)

    report = await sweep(_services(client), now + ttl + retention + timedelta(hours=1))
    assert report.refresh_tokens == 1
    assert not await _token_exists(client, user.refresh_token)


async def test_a_revoked_family_is_deleted_once_past_the_retention_after_its_revocation(
    client: Client,
) -> None:
    ended, live = await register(client), await register(client)
    await expect(
        await client.post(
            "/api/v1/auth/logout",
            json={"refresh_token": ended.refresh_token},
            headers=ended.headers,
        ),
        204,
    )
    retention = token_retention(_services(client).settings)
    now = datetime.now(UTC)

    await sweep(_services(client), now + retention - timedelta(hours=1))
    assert await _token_exists(client, ended.refresh_token)

    report = await sweep(_services(client), now + retention + timedelta(hours=1))
    assert report.refresh_tokens == 1
    assert not await _token_exists(client, ended.refresh_token)
    # Another login, neither revoked nor expired that long, is untouched.
    assert await _token_exists(client, live.refresh_token)


async def test_reuse_detection_and_ended_sessions_still_hold_after_a_sweep(
    client: Client,
) -> None:
    user = await register(client)
    rotated = await expect(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}), 200
    )
    await sweep(_services(client))
    # The spent token is still known: presenting it again ends the whole family.
    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert "reused" in (await expect(reuse, 401))["detail"]
    await sweep(_services(client))
    # The revoked family's rows remain, so its access tokens stay refused.
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    await expect(me, 401)
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    await expect(again, 401)


async def test_the_periodic_job_runs_the_housekeeping(make_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(analytics_job_interval_seconds=0.3))
    user = await register(client)
    svc = _services(client)
    stale = "stale-" + uuid.uuid4().hex
    long_ago = datetime.now(UTC) - token_retention(svc.settings) - timedelta(days=1)
    async with svc.tx() as tx:
        await refresh_tokens.add_refresh_token(
            tx.session,
            user_id=user.id,
            family_id=uuid.uuid4(),
            token_hash=hash_token(stale),
            expires_at=long_ago,
        )
    assert await _token_exists(client, stale)
    for _ in range(50):
        await asyncio.sleep(0.1)
        if not await _token_exists(client, stale):
            break
    assert not await _token_exists(client, stale)
    assert await _token_exists(client, user.refresh_token)
