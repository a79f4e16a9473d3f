"""Every setting of the server, read once from the environment (or the CLI)."""

from __future__ import annotations

import os
import re
import secrets
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from store.tenancy import DEFAULT_APP_ROLE, check_role_name

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./aurentia.db"
_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
ExternalAlgorithm = Literal["RS256", "ES256", "EdDSA"]
EXTERNAL_ALGORITHMS: tuple[ExternalAlgorithm, ...] = ("RS256", "ES256", "EdDSA")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _normalize_database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL") from None
    driver = url.drivername
    if driver in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        url = url.set(drivername="postgresql+asyncpg")
    elif driver == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    if url.drivername not in _DRIVERS:
        raise ValueError(
            f"driver {driver!r} is not supported (use sqlite+aiosqlite:// or postgresql+asyncpg://)"
        )
    return url.render_as_string(hide_password=False)


class DatabaseSettings(BaseSettings):
    """What reaching and migrating the database needs, and nothing more: `aurentia db`
    runs on these alone, so a migration job needs no JWT secret."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    # A direct (unpooled) connection as the tables' owner, for migrations and their lock;
    # needed behind a transaction pooler, where DATABASE_URL logs in as the app role.
    database_direct_url: str | None = None
    # `transaction`: DATABASE_URL goes through PgBouncer (or Supabase's pooler) in
    # transaction mode. Prepared statements do not outlive a transaction there and
    # start-up parameters are not passed on, so asyncpg's statement cache is off and
    # DATABASE_URL's own user must be DATABASE_APP_ROLE (docs/pooling.md).
    database_pooler: Literal["none", "transaction"] = "none"
    # PostgreSQL: the role the server assumes on every connection, so that Row Level
    # Security applies to it (neither superuser, nor BYPASSRLS, nor owner of the tables);
    # migrations create and grant it, and run as DATABASE_URL's own user. Unused on SQLite.
    database_app_role: str = DEFAULT_APP_ROLE

    @field_validator("database_url", "database_direct_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if not value:
            return None
        return _normalize_database_url(value)

    @field_validator("database_app_role")
    @classmethod
    def _plain_role(cls, value: str) -> str:
        return check_role_name(value)

    @model_validator(mode="after")
    def _pooler_logs_in_as_the_app_role(self) -> DatabaseSettings:
        if self.database_pooler == "none":
            return self
        if self.is_sqlite:
            raise ValueError("DATABASE_POOLER applies to PostgreSQL only")
        user = make_url(self.database_url).username or ""
        # Supavisor (Supabase) names the pooler's user `<role>.<project-ref>`.
        if user.split(".", 1)[0] != self.database_app_role:
            raise ValueError(
                "behind a transaction pooler DATABASE_URL must log in as DATABASE_APP_ROLE "
                f"({self.database_app_role!r}), not {user!r}: start-up parameters do not "
                "pass through the pooler; migrations use DATABASE_DIRECT_URL"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def pooled(self) -> bool:
        return self.database_pooler == "transaction"

    @property
    def migration_url(self) -> str:
        """Where migrations run: the direct URL when there is one, else DATABASE_URL."""
        return self.database_direct_url or self.database_url

    @property
    def server_role(self) -> str | None:
        """The role server connections switch to (store.db.create_engine's `role`): the
        app role on PostgreSQL; none on SQLite, nor behind a pooler, where DATABASE_URL's
        user already is that role."""
        return None if self.is_sqlite or self.pooled else self.database_app_role


class Settings(DatabaseSettings):
    """Configuration; every field can come from the environment under its upper-case name."""

    redis_url: str | None = None
    # Prefix of every Redis key and pub/sub channel of this deployment, so that several
    # deployments (or test runs) can share one Redis without seeing each other.
    redis_namespace: str = Field(default="aurentia", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "aurentia"
    jwt_audience: str = "aurentia"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86400, ge=60)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_echo: bool = False
    auto_migrate: bool = True
    # Browser origins (`https://app.example.com`) allowed to call REST and Socket.IO; empty:
    # same origin only. `*` is refused: the list must say who is trusted.
    cors_allowed_origins: list[str] = Field(default_factory=list)
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Deepest nesting of arrays and objects accepted in a REST body or a Socket.IO payload
    # (the same check for both, protocol.common.parse_payload): no real payload goes past
    # a handful of levels, and a deep one costs recursion in every layer that walks it.
    max_json_depth: int = Field(default=32, ge=8, le=64)
    # Largest Socket.IO frame: room for a 4000-character message and its envelope, far
    # below what could tie up a process parsing it.
    max_socket_frame_bytes: int = Field(default=128 * 1024, ge=64 * 1024, le=256 * 1024)
    # How long a process answers "this login session still stands" from memory after
    # the database said so; ending a session clears it on every process at once
    # (server/auth/signed_in.py). 0: ask the database on every request.
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Most sends sharing one transaction (group commit: the sends queued behind a commit
    # under way; server/services/group_commit.py). 1: each alone.
    send_group_max: int = Field(default=32, ge=1, le=1000)
    # Open sockets of one user across every process (tabs, devices).
    max_sockets_per_user: int = Field(default=20, ge=1, le=1000)
    # REST requests per minute (every route under /api/), per user and per client address;
    # an office behind one NAT address shares the per-address budget.
    http_requests_per_minute_per_user: int = Field(default=600, ge=1)
    http_requests_per_minute_per_address: int = Field(default=6000, ge=1)
    invitations_per_hour_per_user: int = Field(default=300, ge=1)
    exports_per_minute_per_user: int = Field(default=10, ge=1)
    # Proxies in front of the server that append to X-Forwarded-For (0: use the peer
    # address; the header is ignored, since any client can send it).
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    # When set, `GET /metrics` wants `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    # permessage-deflate on websockets: off, it costs ~4x the memory per idle connection
    # and halves broadcast throughput (issue 8's measurements).
    websocket_compression: bool = False
    # Room broadcasts encoded once and written straight to websocket transports
    # (server/realtime/fanout.py); off: python-socketio's own path, a task per recipient.
    fast_fanout: bool = True
    # Per socket: sustained events per second and the burst allowed above it.
    socket_events_per_second: float = Field(default=20.0, gt=0)
    socket_event_burst: int = Field(default=60, ge=1)
    typing_timeout_seconds: float = Field(default=6.0, gt=0)
    # Presence: away after this long without a client event; offline only after the last
    # socket has been gone this long (a reload or second tab says nothing); a dead
    # process's users go offline within ttl + sweep seconds.
    presence_away_after_seconds: float = Field(default=600.0, gt=0)
    presence_grace_seconds: float = Field(default=5.0, ge=0)
    presence_ttl_seconds: float = Field(default=20.0, gt=0)
    presence_sweep_seconds: float = Field(default=5.0, gt=0)
    # Presence changes of an organization within this window after the first one are
    # coalesced: each person's last status at its end, if it changed (presence_batch.py).
    # 0: every change is told at once.
    presence_coalesce_seconds: float = Field(default=0.5, ge=0, le=10)
    last_seen_persist_seconds: float = Field(default=60.0, gt=0)
    # SIGTERM: in-flight requests and acks, presence and socket hand-over all finish
    # within this deadline, then the process exits.
    shutdown_timeout_seconds: float = Field(default=10.0, ge=0, le=300)
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)
    login_attempts_per_minute_per_email: int = Field(default=10, ge=1)
    login_attempts_per_minute_per_address: int = Field(default=30, ge=1)
    registrations_per_hour_per_address: int = Field(default=30, ge=1)
    # Forgotten-password and verification mails requested, per address and per email.
    password_resets_per_hour_per_email: int = Field(default=5, ge=1)
    password_resets_per_hour_per_address: int = Field(default=30, ge=1)
    # Optional external identity provider (e.g. Supabase Auth): tokens whose `iss` is
    # this issuer are verified with its secret (HS256), its JWKS file, or the JWKS its
    # URL serves (fetched, cached, fetched again for an unknown `kid`). Each key is used
    # with its own algorithm, which must be in the allow-list.
    external_jwt_issuer: str | None = None
    external_jwt_audience: str | None = None
    external_jwt_secret: SecretStr | None = None
    external_jwks_file: Path | None = None
    external_jwks_url: str | None = Field(default=None, pattern=r"^https?://")
    # How long the fetched JWKS is trusted before it is fetched again, and the least
    # time between two fetches forced by unknown `kid`s (a flood of made-up key ids
    # cannot make the server hammer the provider).
    external_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    external_jwks_refetch_cooldown_seconds: float = Field(default=30.0, ge=0)
    external_jwt_algorithms: list[ExternalAlgorithm] = Field(
        default_factory=lambda: list(EXTERNAL_ALGORITHMS), min_length=1
    )
    # Mail: SMTP (smtp://user:pass@host:587 upgrades with STARTTLS, smtps://host:465 is
    # implicit TLS). Unset: every mail is written as a .eml file to MAIL_OUTBOX_DIR
    # (default: mail-outbox/ beside the SQLite file, or ./mail-outbox/) and its subject
    # logged, so the embedded default needs nothing installed.
    smtp_url: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # CA bundle (PEM) that the SMTP server's certificate must chain to, for a private CA;
    # unset: the system's trust store. Certificates are always verified.
    smtp_ca_file: Path | None = None
    mail_from: str = "Aurentia <no-reply@aurentia.localhost>"
    mail_outbox_dir: Path | None = None
    # Base of every link in a mail (the web app's origin), without a trailing slash.
    public_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://[^\s]+$")
    product_name: str = Field(default="Aurentia", min_length=1, max_length=80)
    # The outbox worker: how often it looks for due mails (a commit wakes it at once in
    # its own process), and how many attempts a mail gets before it is given up.
    mail_poll_seconds: float = Field(default=5.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    # Digest mail of unread mentions and direct messages, for users offline (no socket,
    # last seen) this long; every process looks this often (one mail per digest: the
    # user's row is claimed atomically).
    notify_email_delay_minutes: float = Field(default=15.0, ge=0)
    notify_email_check_seconds: float = Field(default=60.0, gt=0)
    # Wait before the first retry of a failed mail; it doubles each time, up to an hour.
    mail_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Finance: working hours in a billable day (cost = hours / this x daily rate).
    hours_per_day: Decimal = Field(default=Decimal(8), gt=0, le=24)
    # The analytics job (health, drifts, predictions of active projects) runs once per
    # interval, at interval boundaries of the epoch (daily: at 00:00 UTC), in one process.
    analytics_job_enabled: bool = True
    analytics_job_interval_seconds: float = Field(default=86400.0, gt=0)
    # Files shared in messages: the largest upload (streamed to storage, never held in
    # memory) and where the bytes live: a directory (`file:///path` or a plain path;
    # unset: `uploads/` beside the SQLite file, or `./uploads`), or S3-compatible object
    # storage (`s3://bucket?endpoint=https://...&region=...`).
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    storage_url: str | None = None

    @field_validator("cors_allowed_origins")
    @classmethod
    def _explicit_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*" or not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: list each one as scheme://host[:port]"
                )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _secret_required_off_sqlite(self) -> Settings:
        if self.jwt_secret is None and not self.is_sqlite:
            raise ValueError("JWT_SECRET is required when DATABASE_URL is not SQLite")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not value.get_secret_value().startswith(("smtp://", "smtps://")):
            raise ValueError("SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)")
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _external_provider_complete(self) -> Settings:
        if self.external_jwt_issuer is None:
            return self
        sources = [self.external_jwt_secret, self.external_jwks_file, self.external_jwks_url]
        if sum(source is not None for source in sources) != 1:
            raise ValueError(
                "EXTERNAL_JWT_ISSUER needs exactly one of EXTERNAL_JWT_SECRET, "
                "EXTERNAL_JWKS_FILE or EXTERNAL_JWKS_URL"
            )
        if self.external_jwks_file is not None and not self.external_jwks_file.is_file():
            raise ValueError(f"EXTERNAL_JWKS_FILE {self.external_jwks_file} is not a file")
        return self

    @property
    def mail_configured(self) -> bool:
        """Whether mail really leaves (SMTP), as opposed to the outbox directory."""
        return self.smtp_url is not None

    @property
    def outbox_dir(self) -> Path:
        """Where mails are written without SMTP: MAIL_OUTBOX_DIR, else beside the
        SQLite file, else ./mail-outbox."""
        if self.mail_outbox_dir is not None:
            return self.mail_outbox_dir
        path = self.sqlite_path
        return (path.parent if path is not None else Path(".")) / "mail-outbox"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, or None for PostgreSQL and in-memory SQLite."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        if not database or database == ":memory:":
            return None
        return Path(database)

    @property
    def storage_directory(self) -> Path:
        """Where the directory storage keeps uploaded files."""
        if self.storage_url:
            return Path(self.storage_url.removeprefix("file://"))
        beside = self.sqlite_path
        return (beside.parent if beside is not None else Path(".")) / "uploads"

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, value: str | None) -> str | None:
        if not value or "://" not in value or value.startswith("file://"):
            return value
        if not value.startswith("s3://"):
            raise ValueError("STORAGE_URL must be a directory (file:///path, a path) or s3://")
        from .storage import S3Location

        S3Location.parse(value)
        return value

    def signing_secret(self) -> str:
        """The JWT secret; in the embedded default one is generated once beside the database.

        Keeping it in a file next to the SQLite database lets tokens survive a restart
        without asking a newcomer to configure anything.
        """
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.sqlite_path
        if path is None:
            # In-memory SQLite: nothing outlives the process, neither may the secret.
            return _process_secret()
        secret_file = path.with_name(path.name + ".secret")
        if secret_file.exists():
            return secret_file.read_text().strip()
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


@cache
def _process_secret() -> str:
    """One secret for the life of the process."""
    return secrets.token_urlsafe(48)
