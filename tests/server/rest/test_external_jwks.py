"""An external identity provider (Supabase-like) whose JWKS is served over HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.conftest import AppFactory
from tests.factories import Client, expect, register

ISSUER = "https://project-ref.supabase.co/auth/v1"
AUDIENCE = "authenticated"


@dataclass
class Provider:
    """Signing keys and the JWKS endpoint that publishes the public halves."""

    keys: dict[str, Any] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    fetches: int = 0
    url: str = ""

    def add_es256(self) -> str:
        kid = f"es-{uuid.uuid4().hex[:8]}"
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        return kid

    def add_eddsa(self) -> str:
        kid = f"ed-{uuid.uuid4().hex[:8]}"
        self.keys[kid] = ed25519.Ed25519PrivateKey.generate()
        return kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            private = self.keys[kid]
            algorithm: Any = (
                jwt.algorithms.ECAlgorithm
                if isinstance(private, ec.EllipticCurvePrivateKey)
                else jwt.algorithms.OKPAlgorithm
            )
            jwk = algorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": keys}

    def token(self, kid: str, **claims: Any) -> str:
        private = self.keys[kid]
        algorithm = "ES256" if isinstance(private, ec.EllipticCurvePrivateKey) else "EdDSA"
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "email": f"ext-{uuid.uuid4().hex[:8]}@example.com",
            "user_metadata": {"email_verified": True},
            "role": "authenticated",
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode(body, private, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
async def provider(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> Provider:
    state = Provider()

    async def jwks(_request: web.Request) -> web.Response:
        state.fetches += 1
        return web.json_response(state.jwks())

    app = web.Application()
    app.router.add_get("/auth/v1/.well-known/jwks.json", jwks)
    server = await aiohttp_server(app)
    state.url = str(server.make_url("/auth/v1/.well-known/jwks.json"))
    return state


async def _client(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider, **more: Any
) -> Client:
    settings = {
        "external_jwt_issuer": ISSUER,
        "external_jwt_audience": AUDIENCE,
        "external_jwks_url": provider.url,
        **more,
    }
    return await aiohttp_client(make_app(**settings))  # type: ignore[no-any-return]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_es256_token_signs_in_and_creates_a_verified_account(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    kid = provider.add_es256()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    token = provider.token(kid, sub="supabase-user-1", email="Nadia@Example.com")
    me = await expect(await client.get("/api/v1/me", headers=_bearer(token)), 200)
    assert me["email"] == "nadia@example.com"
    again = await expect(await client.get("/api/v1/me", headers=_bearer(token)), 200)
    assert again["id"] == me["id"]
    # The provider vouched for the address: the account may accept invitations.
    owner = await register(client, "owner@example.com")
    org = await expect(
        await client.post("/api/v1/orgs", json={"name": "Org"}, headers=owner.headers), 201
    )
    created = await expect(
        await client.post(
            f"/api/v1/orgs/{org['id']}/invitations",
            json={"email": "nadia@example.com"},
            headers=owner.headers,
        ),
        201,
    )
    accept = await client.post(
        "/api/v1/invitations/accept", json={"token": created["token"]}, headers=_bearer(token)
    )
    await expect(accept, 201)


async def test_an_eddsa_key_is_used_with_its_own_algorithm(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    kid = provider.add_eddsa()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    await expect(await client.get("/api/v1/me", headers=_bearer(provider.token(kid))), 200)


async def test_first_sign_in_links_the_local_account_with_the_verified_address(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    kid = provider.add_es256()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    local = await register(client, "linked@example.com")
    me = await expect(
        await client.get("/api/v1/me", headers=_bearer(provider.token(kid, email=local.email))),
        200,
    )
    assert me["id"] == str(local.id)


async def test_an_address_the_provider_does_not_vouch_for_is_not_linked(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    kid = provider.add_es256()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    local = await register(client, "victim@example.com")
    token = provider.token(kid, email=local.email, user_metadata={"email_verified": False})
    await expect(await client.get("/api/v1/me", headers=_bearer(token)), 401)
    claimed = provider.token(kid, email=local.email, email_verified=False)
    await expect(await client.get("/api/v1/me", headers=_bearer(claimed)), 401)


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    old = provider.add_es256()
    provider.published = [old]
    client = await _client(
        make_app, aiohttp_client, provider, external_jwks_refetch_cooldown_seconds=0
    )
    await expect(await client.get("/api/v1/me", headers=_bearer(provider.token(old))), 200)
    await expect(await client.get("/api/v1/me", headers=_bearer(provider.token(old))), 200)
    assert provider.fetches == 1  # cached
    new = provider.add_es256()
    provider.published = [old, new]
    await expect(await client.get("/api/v1/me", headers=_bearer(provider.token(new))), 200)
    assert provider.fetches == 2


@pytest.mark.parametrize(
    ("claims", "allowed"),
    [
        ({"aud": "anon"}, None),
        ({"iss": "https://elsewhere.example/auth/v1"}, None),
        ({"exp": int(time.time()) - 60}, None),
        ({}, ["RS256"]),
    ],
    ids=["audience", "issuer", "expired", "algorithm-not-allowed"],
)
async def test_tokens_failing_a_check_are_refused(
    make_app: AppFactory,
    aiohttp_client: Any,
    provider: Provider,
    claims: dict[str, Any],
    allowed: list[str] | None,
) -> None:
    kid = provider.add_es256()
    provider.published = [kid]
    more = {"external_jwt_algorithms": allowed} if allowed else {}
    client = await _client(make_app, aiohttp_client, provider, **more)
    token = provider.token(kid, **claims)
    body = await expect(await client.get("/api/v1/me", headers=_bearer(token)), 401)
    assert body["code"] == "unauthorized"


async def test_an_hmac_token_signed_with_the_published_key_is_refused(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    """Algorithm confusion: the key's own algorithm is used, never the token's."""
    kid = provider.add_es256()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    now = int(time.time())
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "email": "x@example.com", "exp": now + 60},
        "any-secret-of-at-least-32-characters-long",
        algorithm="HS256",
        headers={"kid": kid},
    )
    await expect(await client.get("/api/v1/me", headers=_bearer(forged)), 401)


async def test_an_address_the_provider_does_not_vouch_for_cannot_accept_an_invitation(
    make_app: AppFactory, aiohttp_client: Any, provider: Provider
) -> None:
    kid = provider.add_es256()
    provider.published = [kid]
    client = await _client(make_app, aiohttp_client, provider)
    token = provider.token(kid, email="unproven@example.com", user_metadata={})
    me = await expect(await client.get("/api/v1/me", headers=_bearer(token)), 200)
    assert me["email"] == "unproven@example.com"
    owner = await register(client, "inviter@example.com")
    org = await expect(
        await client.post("/api/v1/orgs", json={"name": "Org"}, headers=owner.headers), 201
    )
    created = await expect(
        await client.post(
            f"/api/v1/orgs/{org['id']}/invitations",
            json={"email": "unproven@example.com"},
            headers=owner.headers,
        ),
        201,
    )
    accept = await client.post(
        "/api/v1/invitations/accept", json={"token": created["token"]}, headers=_bearer(token)
    )
    body = await expect(accept, 403)
    assert "confirm your email address" in body["detail"]
    # Once the provider vouches for it, the same subject may accept.
    proven = provider.token(kid, sub=me_subject(token), email="unproven@example.com")
    accept = await client.post(
        "/api/v1/invitations/accept", json={"token": created["token"]}, headers=_bearer(proven)
    )
    await expect(accept, 201)


def me_subject(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])
