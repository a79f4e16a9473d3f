"""The notification digest: one mail of unread mentions and direct messages for a user
who has been away (no socket, last seen NOTIFY_EMAIL_DELAY_MINUTES ago or more).

Every process runs the check; each user's digest is claimed by moving their digest mark
atomically in the transaction that queues the mail, so two processes never both send
it. `daily` users get at most one digest a day. Every digest carries a one-click
unsubscribe (RFC 8058: List-Unsubscribe and List-Unsubscribe-Post).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime, timedelta

from protocol.enums import EmailNotifications
from store import digest, organizations, users

from ...logs import fresh_request_id
from ...mail.templates import locale_of
from ...policy import act_as, enter_organization
from .. import mail
from ..core import Services

log = logging.getLogger("aurentia.digest")

LISTED = 20
DAY = timedelta(days=1)


async def run_forever(svc: Services, stop: asyncio.Event) -> None:
    """Check every NOTIFY_EMAIL_CHECK_SECONDS until `stop` is set. Stopping waits for
    the round in hand rather than cancelling it mid-transaction (a cancelled database
    call can leave its connection, and on SQLite the write lock, behind)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), svc.settings.notify_email_check_seconds)
        if stop.is_set():
            return
        with fresh_request_id():
            try:
                await run_round(svc, datetime.now(UTC))
            except Exception:
                log.exception("notification digest round failed")


async def run_round(svc: Services, now: datetime) -> int:
    """Queue every digest due at `now`; how many."""
    delay = timedelta(minutes=svc.settings.notify_email_delay_minutes)
    async with svc.sessions() as session:
        org_ids = await organizations.all_organization_ids(session)
    due: set[uuid.UUID] = set()
    for org_id in org_ids:
        async with svc.tx() as tx:
            await enter_organization(tx.session, org_id)
            found = await digest.candidates(
                tx.session, org_id, created_before=now - delay, seen_before=now - delay
            )
        due.update(found)
    sent = 0
    for user_id in sorted(due):
        if not await svc.is_connected(user_id):
            sent += await _send_digest(svc, user_id, now)
    return sent


async def _send_digest(svc: Services, user_id: uuid.UUID, now: datetime) -> int:
    async with svc.tx() as tx:
        profile = await users.get_profile(tx.session, user_id)
        user = await users.get_user(tx.session, user_id)
        if profile is None or user is None or user.disabled_at is not None:
            return 0
        previous = profile.email_digest_at
        choice = EmailNotifications(profile.email_notifications)
        if choice is EmailNotifications.OFF:
            return 0
        if choice is EmailNotifications.DAILY and previous is not None and now - previous < DAY:
            return 0
        await act_as(tx.session, user_id)
        rows, total = await digest.unread_since(tx.session, user_id, previous, LISTED)
        if not rows or not await digest.claim(tx.session, user_id, previous, now):
            return 0
        unsubscribe = mail.link(
            svc, "/api/v1/mail/unsubscribe", token=svc.tokens.issue_unsubscribe(user_id)
        )
        items = [
            {"title": n.title, "message": n.message or "", "link": mail.link(svc, n.link or "/")}
            for n in rows
        ]
        context = {
            "name": profile.prenom,
            "items": items,
            "total": total,
            "more": total - len(rows),
            "unsubscribe": unsubscribe,
            "settings_link": mail.link(svc, "/settings"),
        }
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        locale = locale_of(profile.locale)
        await mail.queue(
            svc, tx, to=user.email, kind="digest", locale=locale, context=context, headers=headers
        )
    return 1


async def unsubscribe(svc: Services, token: str) -> None:
    """One click: the mail stops, whoever follows the link (it was mailed to the user)."""
    user_id = svc.tokens.verify_unsubscribe(token)
    async with svc.tx() as tx:
        await digest.unsubscribe(tx.session, user_id)
