"""Accounts and tokens through HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from redis.asyncio import Redis

from tests.conftest import TEST_JWT_SECRET, TEST_REDIS_NAMESPACE, AppFactory
from tests.factories import PASSWORD, Client, confirm_address, expect, register


async def test_register_then_me_shows_the_profile(client: Client) -> None:
    user = await register(client, "Claire.Martin@Example.com", prenom="Claire", nom="Martin")
    me = await expect(await client.get("/api/v1/me", headers=user.headers), 200)
    assert me["email"] == "claire.martin@example.com"
    assert (me["prenom"], me["nom"], me["role"]) == ("Claire", "Martin", "CONSULTANT")
    assert me["organizations"] == []


async def test_email_is_unique_case_insensitively(client: Client) -> None:
    """A taken address answers like a new one, and the account keeps its password."""
    await register(client, "dup@example.com")
    other = "another horse battery staple"
    resp = await client.post(
        "/api/v1/auth/register",
        json={"email": "DUP@example.com", "password": other, "prenom": "A", "nom": "B"},
    )
    assert (await expect(resp, 202))["status"] == "accepted"
    login = {"email": "dup@example.com", "password": other}
    await expect(await client.post("/api/v1/auth/login", json=login), 401)
    login["password"] = PASSWORD
    await expect(await client.post("/api/v1/auth/login", json=login), 200)


async def test_concurrent_registrations_of_one_email_answer_alike_and_make_one_account(
    client: Client,
) -> None:
    body = {"email": "twin@example.com", "password": PASSWORD, "prenom": "A", "nom": "B"}
    answers = await asyncio.gather(
        *(client.post("/api/v1/auth/register", json=body) for _ in range(4))
    )
    assert [r.status for r in answers] == [202] * 4
    assert len({await r.read() for r in answers}) == 1
    await confirm_address(client, "twin@example.com")
    login = {"email": "twin@example.com", "password": PASSWORD}
    await expect(await client.post("/api/v1/auth/login", json=login), 200)


@pytest.mark.parametrize(
    ("password", "field_msg"),
    [("short", "at least 10"), ("weak-user@example.com", "too easy"), ("aaaaaaaaaaaa", "too easy")],
)
async def test_password_policy_is_enforced(client: Client, password: str, field_msg: str) -> None:
    resp = await client.post(
        "/api/v1/auth/register",
        json={"email": "weak-user@example.com", "password": password, "prenom": "A", "nom": "B"},
    )
    body = await expect(resp, 422)
    assert body["errors"][0]["loc"] == ["body", "password"]
    assert field_msg in body["errors"][0]["msg"]


async def test_register_lists_every_bad_field(client: Client) -> None:
    resp = await client.post(
        "/api/v1/auth/register", json={"email": "nope", "password": 3, "nom": "x" * 500}
    )
    body = await expect(resp, 422)
    assert body["code"] == "validation_error"
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert {("body", "email"), ("body", "password"), ("body", "prenom"), ("body", "nom")} <= locs


async def test_malformed_json_is_422_not_500(client: Client) -> None:
    resp = await client.post(
        "/api/v1/auth/login", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (await expect(resp, 422))["errors"] == [
        {"loc": ["body"], "msg": "body is not valid JSON"}
    ]


async def test_login_with_wrong_password_or_unknown_email_is_401(client: Client) -> None:
    await register(client, "known@example.com")
    for email, password in [
        ("known@example.com", "wrong password!"),
        ("ghost@example.com", PASSWORD),
    ]:
        resp = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
        body = await expect(resp, 401)
        assert body["detail"] == "wrong email or password, or the address is not confirmed yet"


async def test_login_returns_working_tokens(client: Client) -> None:
    user = await register(client, "login@example.com")
    resp = await client.post(
        "/api/v1/auth/login", json={"email": "LOGIN@example.com", "password": PASSWORD}
    )
    tokens = await expect(resp, 200)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await expect(await client.get("/api/v1/me", headers=headers), 200)
    assert me["id"] == str(user.id)


async def test_refresh_rotates_and_reuse_revokes_the_family(client: Client) -> None:
    user = await register(client)
    first = await expect(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}), 200
    )
    assert first["refresh_token"] != user.refresh_token
    # The spent token comes back: someone copied it. The whole family dies.
    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert (await expect(reuse, 401))["code"] == "unauthorized"
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    await expect(again, 401)
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    await expect(await client.get("/api/v1/me", headers=headers), 401)


async def test_concurrent_refreshes_with_one_token_yield_one_success(client: Client) -> None:
    user = await register(client)
    responses = await asyncio.gather(
        *[
            client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
            for _ in range(4)
        ]
    )
    statuses = sorted(r.status for r in responses)
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}


async def test_logout_ends_the_session_and_its_access_tokens(client: Client) -> None:
    user = await register(client)
    resp = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
    )
    assert resp.status == 204
    await expect(await client.get("/api/v1/me", headers=user.headers), 401)
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    await expect(refresh, 401)


def _token(**overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": "aurentia",
        "aud": "aurentia",
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    key = str(claims.pop("_key", TEST_JWT_SECRET))
    alg = str(claims.pop("_alg", "HS256"))
    return jwt.encode(claims, key if alg != "none" else None, algorithm=alg)  # type: ignore[arg-type]


async def test_bad_tokens_are_refused(client: Client) -> None:
    user = await register(client)
    sid = jwt.decode(user.access_token, options={"verify_signature": False})["sid"]
    good = {"sub": str(user.id), "sid": sid}
    bad_tokens = {
        "expired": _token(**good, exp=datetime.now(UTC) - timedelta(seconds=5)),
        "badly signed": _token(**good, _key="another-secret-" + "y" * 40),
        "alg none": _token(**good, _alg="none"),
        "wrong audience": _token(**good, aud="someone-else"),
        "wrong issuer": _token(**good, iss="evil"),
        "not a jwt": "abc.def.ghi",
    }
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(**good)}"})
    ).status == 200
    for name, token in bad_tokens.items():
        resp = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 401, name
        assert (await resp.json())["code"] == "unauthorized"
    assert (await client.get("/api/v1/me")).status == 401


async def test_patch_me_updates_the_profile(client: Client) -> None:
    user = await register(client)
    resp = await client.patch(
        "/api/v1/me", json={"prenom": "Léa", "phone": "+33 6 00 00 00 00"}, headers=user.headers
    )
    me = await expect(resp, 200)
    assert (me["prenom"], me["phone"]) == ("Léa", "+33 6 00 00 00 00")
    resp = await client.patch("/api/v1/me", json={"prenom": None}, headers=user.headers)
    await expect(resp, 422)
    resp = await client.patch("/api/v1/me", json={"email": "x@y.z"}, headers=user.headers)
    await expect(resp, 422)


async def test_login_is_rate_limited_per_email(make_app: AppFactory, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(make_app(login_attempts_per_minute_per_email=4))
    await register(client, "target@example.com")  # signs in once: one attempt of four
    statuses = []
    for _ in range(5):
        resp = await client.post(
            "/api/v1/auth/login",
            json={"email": "target@example.com", "password": "wrong password!"},
        )
        statuses.append(resp.status)
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    assert int(resp.headers["Retry-After"]) >= 1
    assert (await resp.json())["code"] == "rate_limited"


@pytest.mark.redis
async def test_rate_limit_keys_in_redis_never_hold_the_email_or_its_plain_hash(
    client: Client, redis_url: str
) -> None:
    email = f"secret.person-{uuid.uuid4().hex[:8]}@example.com"
    user = await register(client, email)
    for _ in range(2):
        resp = await client.post(
            "/api/v1/auth/login", json={"email": email.upper(), "password": "wrong password!"}
        )
        await expect(resp, 401)
    await expect(await client.get("/api/v1/me", headers=user.headers), 200)
    redis: Redis = Redis.from_url(redis_url)
    try:
        keys = [k.decode() async for k in redis.scan_iter(match=f"{TEST_REDIS_NAMESPACE}:*")]
    finally:
        await redis.aclose()
    assert any(":rl:login-email:" in k for k in keys), keys
    assert any(":rl:http-user:" in k for k in keys), keys
    unkeyed = hashlib.sha256(email.encode()).hexdigest()
    forbidden = [email, email.split("@")[0], unkeyed[:16], str(user.id), "127.0.0.1"]
    assert [k for k in keys for word in forbidden if word in k.lower()] == []
