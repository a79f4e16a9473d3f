"""Access tokens: our own HS256 JWTs, and optionally an external provider's.

Each issuer is verified with one fixed algorithm and key, so `alg: none` and algorithm
confusion (an HS256 token signed with a public RSA key) are refused by construction.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class AccessClaims:
    """What a verified token says. `user_id` is None for an external token not yet mapped."""

    user_id: uuid.UUID | None
    family_id: uuid.UUID | None
    expires_at: datetime
    external_subject: str | None = None
    email: str | None = None


def unauthorized(message: str = "invalid or expired token") -> AppError:
    return AppError(ErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def new_opaque_token() -> tuple[str, str]:
    """A refresh or invitation token (256 random bits) and the SHA-256 we store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, settings: Settings, secret: str) -> None:
        self._settings = settings
        self._secret = secret
        self._external_keys = _load_external_keys(settings)

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(seconds=self._settings.access_token_ttl_seconds)

    def issue_access(self, user_id: uuid.UUID, family_id: uuid.UUID) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": str(user_id),
            "sid": str(family_id),
            "typ": ACCESS_TYPE,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> AccessClaims:
        """Verify signature, expiry, issuer and audience; any failure is `unauthorized`."""
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise unauthorized() from None
        if self._external_keys is not None and issuer == self._settings.external_jwt_issuer:
            return self._verify_external(token)
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "iat", "sub", "sid", "typ"]},
            )
            if claims["typ"] != ACCESS_TYPE:
                raise unauthorized()
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                family_id=uuid.UUID(claims["sid"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            raise unauthorized() from None

    def _verify_external(self, token: str) -> AccessClaims:
        assert self._external_keys is not None
        try:
            header = jwt.get_unverified_header(token)
            key, algorithm = self._external_keys.key_for(header)
            claims = jwt.decode(
                token,
                key,
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
            email=email if isinstance(email, str) else None,
        )


class _ExternalKeys:
    def __init__(self, secret: str | None, jwks: jwt.PyJWKSet | None) -> None:
        self._secret = secret
        self._jwks = jwks

    def key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        if self._secret is not None:
            return self._secret, "HS256"
        assert self._jwks is not None
        kid = header.get("kid")
        for key in self._jwks.keys:
            if kid is None or key.key_id == kid:
                return key.key, "RS256"
        raise KeyError("unknown key id")


def _load_external_keys(settings: Settings) -> _ExternalKeys | None:
    if settings.external_jwt_issuer is None:
        return None
    if settings.external_jwt_secret is not None:
        return _ExternalKeys(settings.external_jwt_secret.get_secret_value(), None)
    assert settings.external_jwks_file is not None
    data = json.loads(settings.external_jwks_file.read_text())
    return _ExternalKeys(None, jwt.PyJWKSet.from_dict(data))
