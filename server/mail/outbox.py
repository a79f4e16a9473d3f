"""The outbox worker: sends the mails committed transactions queued, with retries.

Requests only insert a row (store.outbox.queue_mail) and, after commit, wake this
worker: a slow or failing SMTP server never slows or fails a request, and a mail queued
before a crash or restart is still in the table afterwards. Every process runs a worker;
they share the table safely (leases claimed with SKIP LOCKED, see store/outbox.py). A
worker also polls every MAIL_POLL_SECONDS for retries and for mails another process
queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from store import outbox
from store.db import SessionFactory, unit_of_work
from store.models import OutboxMail

from ..logs import fresh_request_id
from ..settings import Settings
from .transport import Transport, build_message

log = logging.getLogger("aurentia.mail")

BATCH = 20
LONGEST_RETRY_SECONDS = 3600.0


def retry_delay(first: float, attempts: int) -> timedelta:
    """`first` seconds after the first failure, doubling, at most an hour."""
    seconds = first * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, LONGEST_RETRY_SECONDS))


class OutboxWorker:
    def __init__(self, settings: Settings, sessions: SessionFactory, transport: Transport) -> None:
        self._settings = settings
        self._sessions = sessions
        self._transport = transport
        self._wakeup = asyncio.Event()
        self._stopping = False
        # Longer than any send can take, so a live worker never loses its lease.
        self._lease = timedelta(seconds=2 * settings.smtp_timeout_seconds + 30)

    def wake(self) -> None:
        """Called after a commit that queued mail: send now rather than at the next poll."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the batch in hand (its leases would otherwise delay those mails by
        minutes) and return; the caller bounds the wait."""
        self._stopping = True
        self._wakeup.set()

    async def run_forever(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                with fresh_request_id():
                    log.exception("mail outbox round failed; retrying at the next poll")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._settings.mail_poll_seconds)

    async def drain(self) -> int:
        """Send every due mail; the number sent."""
        sent = 0
        while not self._stopping:
            now = datetime.now(UTC)
            async with unit_of_work(self._sessions) as session:
                batch = await outbox.claim_due(session, now=now, lease=self._lease, limit=BATCH)
            if not batch:
                return sent
            for mail in batch:
                # Each send's log lines share an id of their own, like a request's.
                with fresh_request_id():
                    sent += await self._send(mail)
        return sent

    async def _send(self, mail: OutboxMail) -> int:
        message = build_message(
            sender=self._settings.mail_from,
            to=mail.to_address,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            headers=mail.headers,
            mail_id=mail.id,
        )
        try:
            await self._transport.send(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(mail, f"{type(exc).__name__}: {exc}")
            return 0
        async with unit_of_work(self._sessions) as session:
            await outbox.delivered(session, mail.id)
        return 1

    async def _failed(self, mail: OutboxMail, error: str) -> None:
        now = datetime.now(UTC)
        give_up = mail.attempts >= self._settings.mail_max_attempts
        delay = retry_delay(self._settings.mail_retry_seconds, mail.attempts)
        retry_at = None if give_up else now + delay
        fields = {"mail_id": str(mail.id), "kind": mail.kind, "attempts": mail.attempts}
        if give_up:
            log.error("mail given up", extra={"fields": {**fields, "error": error}})
        else:
            log.warning("mail not sent; will retry", extra={"fields": {**fields, "error": error}})
        async with unit_of_work(self._sessions) as session:
            await outbox.failed_attempt(session, mail.id, error=error, retry_at=retry_at, now=now)
