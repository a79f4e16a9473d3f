"""The service container and the transaction helper every service uses."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Container, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import AppError, ErrorCode, FieldError, not_found, validation_error
from store.db import SessionFactory, is_unavailable, unit_of_work

from ..auth.memberships import MembershipCache
from ..auth.passwords import Passwords
from ..auth.signed_in import SignedInCache
from ..auth.tokens import TokenService
from ..bus import Bus, Deferred, Effect, Emit
from ..ratelimit import RateLimiter
from ..settings import Settings
from ..storage import Storage, storage_for
from .clock import utc_now

if TYPE_CHECKING:
    from .group_commit import GroupCommit

log = logging.getLogger("aurentia.services")

T = TypeVar("T")


def found(row: T | None, what: str) -> T:
    """The row, or the 404 that names `what`."""
    if row is None:
        raise not_found(what)
    return row


def invalid(loc: list[str | int], msg: str) -> AppError:
    """The 422 of one field (`loc`: where it was sent, then its name)."""
    return validation_error([FieldError(loc=loc, msg=msg)])


def refuse(errors: Sequence[FieldError | None]) -> None:
    """Raise one 422 listing every bad field, if any."""
    bad = [e for e in errors if e is not None]
    if bad:
        raise validation_error(bad)


def refuse_unknown(
    loc: list[str], ids: Sequence[object], known: Container[object], msg: str
) -> None:
    """Raise one 422 naming (by index under `loc`) each of `ids` not among `known`."""
    refuse([FieldError(loc=[*loc, i], msg=msg) for i, x in enumerate(ids) if x not in known])


def database_unavailable() -> AppError:
    return AppError(ErrorCode.UNAVAILABLE, "the database is unavailable; retry")


def lost_database(exc: Exception) -> AppError:
    """The `unavailable` answer to a database that was lost (or, on SQLite, busy),
    logged as such; called while handling `exc`."""
    if "locked" in str(exc):
        log.warning("database busy", exc_info=True)
    else:
        log.error("database unavailable", exc_info=True)
    return database_unavailable()


@dataclass
class Tx:
    """An open transaction and the effects to publish once it commits."""

    session: AsyncSession
    effects: list[Effect] = field(default_factory=list)

    def emit(self, event: str, data: Any, room: str, skip_sid: str | None = None) -> None:
        self.effects.append(Emit(event, data, room, skip_sid))

    def after_commit(self, run: Callable[[], Awaitable[None]]) -> None:
        self.effects.append(Deferred(run))


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass
class Services:
    settings: Settings
    sessions: SessionFactory
    bus: Bus
    passwords: Passwords
    tokens: TokenService
    limiter: RateLimiter
    # Whether a user has a socket connected anywhere (presence sets it once running).
    connected_probe: Callable[[uuid.UUID], Awaitable[bool]] | None = None
    # Wakes this process's mail outbox worker (set once it runs; server/mail/outbox.py).
    mail_wake: Callable[[], None] | None = None
    # Where uploaded files live (settings' directory unless a test or a caller sets one).
    storage: Storage | None = None
    # Sessions seen signed in a moment ago (server/auth/signed_in.py).
    signed_in: SignedInCache = field(init=False)
    # Organizations, members and roles read a moment ago (server/auth/memberships.py).
    memberships: MembershipCache = field(init=False)

    # Sends waiting for the next shared transaction (group_commit.py); it also keeps one
    # channel's sends in seq order on this process (the database orders the commits).
    sends: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        from .group_commit import GroupCommit  # it builds on Tx and Services below

        self.signed_in = SignedInCache(self.settings.auth_cache_seconds)
        self.memberships = MembershipCache(self.settings.auth_cache_seconds)
        self.sends = GroupCommit(self, self.settings.send_group_max)

    @property
    def files(self) -> Storage:
        if self.storage is None:
            settings = self.settings
            self.storage = storage_for(settings.storage_url, settings.storage_directory)
        return self.storage

    # The current instant (aware, UTC); tests and replays inject a fixed one (clock.py).
    clock: Callable[[], datetime] = utc_now

    async def is_connected(self, user_id: uuid.UUID) -> bool:
        return self.connected_probe is not None and await self.connected_probe(user_id)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """One transaction; its effects are published only after a successful commit.

        A lost database is `unavailable` (nothing was written); an integrity error that
        a service did not anticipate is a `conflict`, never a 500.
        """
        tx: Tx | None = None
        try:
            async with unit_of_work(self.sessions) as session:
                tx = Tx(session)
                yield tx
        except IntegrityError:
            log.warning("unanticipated integrity error", exc_info=True)
            raise AppError(ErrorCode.CONFLICT, "the change conflicts with existing data") from None
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            raise lost_database(exc) from None
        assert tx is not None
        await self.bus.publish(tx.effects)
