"""Access tokens: our own HS256 JWTs, and optionally an external provider's.

Each issuer is verified with one fixed algorithm and key, so `alg: none` and algorithm
confusion (an HS256 token signed with a public RSA key) are refused by construction.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from protocol.errors import AppError, ErrorCode

from ..settings import Settings

ACCESS_TYPE = "access"
UNSUBSCRIBE = "unsubscribe"


@dataclass(frozen=True)
class AccessClaims:
    """What a verified token says. `user_id` is None for an external token not yet mapped."""

    user_id: uuid.UUID | None
    family_id: uuid.UUID | None
    expires_at: datetime
    external_subject: str | None = None
    email: str | None = None
    email_verified: bool = False


def unauthorized(message: str = "invalid or expired token") -> AppError:
    return AppError(ErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def new_opaque_token() -> tuple[str, str]:
    """A refresh or invitation token (256 random bits) and the SHA-256 we store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    # Access tokens verified here, by their exact text: a request's rate limit and its
    # caller each ask, and a client sends the same token for minutes. Each answer is
    # used only while its `exp` holds; revocation is the session check's (signed_in).
    VERIFIED_LIMIT = 10_000

    def __init__(self, settings: Settings, secret: str) -> None:
        self._settings = settings
        self._secret = secret
        self._external_keys = _load_external_keys(settings)
        self._verified: dict[str, AccessClaims] = {}

    def issue_access(self, user_id: uuid.UUID, family_id: uuid.UUID) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": str(user_id),
            "sid": str(family_id),
            "typ": ACCESS_TYPE,
            "iat": now,
            "exp": now + timedelta(seconds=self._settings.access_token_ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def issue_unsubscribe(self, user_id: uuid.UUID) -> str:
        """The credential of a one-click unsubscribe link: it names the user and does
        one thing (turn their notification mail off), so it need not expire."""
        claims = {"aud": self._settings.jwt_audience, "sub": str(user_id), "typ": UNSUBSCRIBE}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _own(self, token: str, typ: str, required: list[str], **checks: Any) -> dict[str, Any]:
        """The claims of a token this server signed for its audience, of type `typ`;
        jwt.PyJWTError or ValueError otherwise."""
        claims = jwt.decode(
            token,
            self._secret,
            algorithms=["HS256"],
            audience=self._settings.jwt_audience,
            options={"require": required},
            **checks,
        )
        if claims["typ"] != typ:
            raise ValueError(f"not a token of type {typ}")
        return claims

    def verify_unsubscribe(self, token: str) -> uuid.UUID:
        try:
            return uuid.UUID(self._own(token, UNSUBSCRIBE, ["sub", "typ"])["sub"])
        except (jwt.PyJWTError, ValueError, TypeError):
            raise AppError(ErrorCode.NOT_FOUND, "this unsubscribe link is not valid") from None

    def verify(self, token: str) -> AccessClaims:
        """Verify signature, expiry, issuer and audience; any failure is `unauthorized`."""
        known = self._verified.get(token)
        if known is not None:
            if datetime.now(UTC) < known.expires_at:
                return known
            del self._verified[token]
            raise unauthorized()
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise unauthorized() from None
        if self._external_keys is not None and issuer == self._settings.external_jwt_issuer:
            return self._verify_external(token)
        try:
            required = ["exp", "iat", "sub", "sid", "typ"]
            claims = self._own(token, ACCESS_TYPE, required, issuer=self._settings.jwt_issuer)
            verified = AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                family_id=uuid.UUID(claims["sid"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            raise unauthorized() from None
        if len(self._verified) >= self.VERIFIED_LIMIT:
            self._verified.clear()
        self._verified[token] = verified
        return verified

    async def verify_async(self, token: str) -> AccessClaims:
        """`verify`, fetching the provider's JWKS first (off the event loop) when the
        token names a key not yet known; the only form that may use the network."""
        if self._external_keys is not None and self._external_keys.fetches:
            try:
                issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
                header = jwt.get_unverified_header(token)
            except jwt.PyJWTError:
                raise unauthorized() from None
            if issuer == self._settings.external_jwt_issuer:
                key = await self._external_keys.fetch_key_for(header)
                return self._verify_external(token, key)
        return self.verify(token)

    def _verify_external(self, token: str, key: tuple[Any, str] | None = None) -> AccessClaims:
        assert self._external_keys is not None
        try:
            header = jwt.get_unverified_header(token)
            secret, algorithm = key or self._external_keys.key_for(header)
            claims = jwt.decode(
                token,
                secret,
                algorithms=[algorithm],
                audience=self._settings.external_jwt_audience,
                issuer=self._settings.external_jwt_issuer,
                options={
                    "require": ["exp", "sub"],
                    "verify_aud": self._settings.external_jwt_audience is not None,
                },
            )
        except (jwt.PyJWTError, KeyError, ValueError):
            raise unauthorized() from None
        subject = str(claims["sub"])
        email = claims.get("email")
        return AccessClaims(
            user_id=None,
            family_id=None,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            external_subject=subject,
            email=email if isinstance(email, str) and email else None,
            email_verified=_email_verified(claims),
        )


def _email_verified(claims: dict[str, Any]) -> bool:
    """The provider vouches for the address: `email_verified` (OpenID Connect), or
    Supabase's `user_metadata.email_verified`. Only a literal true counts."""
    if "email_verified" in claims:
        return claims["email_verified"] is True
    metadata = claims.get("user_metadata")
    return isinstance(metadata, dict) and metadata.get("email_verified") is True


class _ExternalKeys:
    """The provider's keys: a shared secret (HS256), a JWKS file, or a JWKS URL.

    Each JWKS key is used with its own algorithm (its `alg`, else what its type and
    curve imply), which must be in EXTERNAL_JWT_ALGORITHMS: a symmetric (`oct`) key in
    a JWKS is never accepted, so a public key cannot be turned into an HMAC secret.
    """

    def __init__(
        self,
        allowed: frozenset[str],
        secret: str | None = None,
        jwks: jwt.PyJWKSet | None = None,
        client: jwt.PyJWKClient | None = None,
    ) -> None:
        self._allowed = allowed
        self._secret = secret
        self._jwks = jwks
        self._client = client

    @property
    def fetches(self) -> bool:
        return self._client is not None

    def key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        """Without network: the secret, the file's keys, or the URL's cached keys."""
        if self._secret is not None:
            return self._secret, "HS256"
        keys = self._jwks.keys if self._jwks is not None else self._cached()
        return self._pick(keys, header)

    async def fetch_key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        """The key `kid` names, fetching the JWKS when it is not cached (PyJWKClient
        caches the set and refetches once, rate-limited, on an unknown `kid`)."""
        assert self._client is not None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise unauthorized()
        try:
            key = await asyncio.to_thread(self._client.get_signing_key, kid)
            return self._pick([key], header)
        except (jwt.PyJWTError, KeyError):
            raise unauthorized() from None

    def _cached(self) -> list[jwt.PyJWK]:
        assert self._client is not None
        cache = self._client.jwk_set_cache
        cached = cache.get() if cache is not None else None
        return list(cached.keys) if isinstance(cached, jwt.PyJWKSet) else []

    def _pick(self, keys: list[jwt.PyJWK], header: dict[str, Any]) -> tuple[Any, str]:
        kid = header.get("kid")
        for key in keys:
            if kid is not None and key.key_id != kid:
                continue
            algorithm = key.algorithm_name
            if algorithm in self._allowed and header.get("alg") == algorithm:
                return key.key, algorithm
        raise KeyError("no allowed key for this token")


def _load_external_keys(settings: Settings) -> _ExternalKeys | None:
    if settings.external_jwt_issuer is None:
        return None
    allowed = frozenset(settings.external_jwt_algorithms)
    if settings.external_jwt_secret is not None:
        return _ExternalKeys(allowed, secret=settings.external_jwt_secret.get_secret_value())
    if settings.external_jwks_url is not None:
        client = jwt.PyJWKClient(
            settings.external_jwks_url,
            cache_jwk_set=True,
            lifespan=settings.external_jwks_cache_seconds,
            timeout=10,
            cooldown_duration=settings.external_jwks_refetch_cooldown_seconds,
        )
        return _ExternalKeys(allowed, client=client)
    assert settings.external_jwks_file is not None
    data = json.loads(settings.external_jwks_file.read_text())
    return _ExternalKeys(allowed, jwks=jwt.PyJWKSet.from_dict(data))
