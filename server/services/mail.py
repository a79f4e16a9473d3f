"""Queue a mail in the caller's transaction; it leaves after commit (server/mail/outbox.py).

The mail is rendered now, in the recipient's language, so that the worker needs nothing
but the outbox row; the commit wakes the worker, so the request never waits for SMTP.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from protocol.enums import Locale
from store import outbox

from ..mail.templates import render
from .core import Services, Tx


def link(svc: Services, path: str, **query: str) -> str:
    """An absolute link into the web app, under PUBLIC_URL."""
    base = f"{svc.settings.public_url}{path}"
    return f"{base}?{urlencode(query)}" if query else base


async def queue(
    svc: Services,
    tx: Tx,
    *,
    to: str,
    kind: str,
    locale: Locale,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    rendered = render(
        kind,
        locale,
        {"product": svc.settings.product_name, "public_url": svc.settings.public_url, **context},
    )
    await outbox.queue_mail(
        tx.session,
        to_address=to,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        kind=kind,
        headers=headers or {},
        now=datetime.now(UTC),
    )

    async def wake() -> None:
        if svc.mail_wake is not None:
            svc.mail_wake()

    tx.after_commit(wake)
