"""The outbox: no request waits for SMTP, no mail is lost when SMTP is down or the
process restarts, and workers of several processes send each mail once."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from tests.conftest import AppFactory
from tests.factories import PASSWORD, expect
from tests.mailbox import Mailbox, free_port, pending_mail, until


def _signup(address: str) -> dict[str, str]:
    return {"email": address, "password": PASSWORD, "prenom": "Léa", "nom": "Durand"}


async def test_a_mail_queued_while_smtp_is_down_is_sent_after_a_restart(
    make_app: AppFactory, aiohttp_client: Any, mailbox: Mailbox
) -> None:
    dead = SecretStr(f"smtp://127.0.0.1:{free_port()}")
    first = await aiohttp_client(
        make_app(smtp_url=dead, mail_retry_seconds=0.05, mail_poll_seconds=0.05)
    )
    resp = await first.post("/api/v1/auth/register", json=_signup("patient@example.com"))
    await expect(resp, 202)  # answered although SMTP is unreachable

    async def failed_twice() -> bool:
        rows = await pending_mail(first)
        return len(rows) == 1 and rows[0].attempts >= 2 and rows[0].last_error is not None

    await until(failed_twice, "two failed attempts recorded")
    await first.close()  # the process stops with the mail still queued

    second = await aiohttp_client(make_app(smtp_url=SecretStr(mailbox.url), mail_poll_seconds=0.05))
    message = await mailbox.next("patient@example.com")
    assert message["Subject"] == "Confirmez votre adresse pour Aurentia"

    async def emptied() -> bool:
        return await pending_mail(second) == []

    await until(emptied, "the delivered mail left the outbox")


async def test_workers_of_two_processes_send_each_mail_once(
    make_app: AppFactory, aiohttp_client: Any, mailbox: Mailbox
) -> None:
    """Two apps on one database share the outbox; each wakes at its own commits and
    polls for the other's, and a claimed mail is never taken twice."""
    smtp = SecretStr(mailbox.url)
    a = await aiohttp_client(make_app(smtp_url=smtp, mail_poll_seconds=0.05))
    b = await aiohttp_client(make_app(smtp_url=smtp, mail_poll_seconds=0.05))
    addresses = [f"pair-{i}@example.com" for i in range(12)]
    for i, address in enumerate(addresses):
        client = a if i % 2 == 0 else b
        await expect(await client.post("/api/v1/auth/register", json=_signup(address)), 202)
    for address in addresses:
        await mailbox.next(address)

    async def emptied() -> bool:
        return await pending_mail(a) == []

    await until(emptied, "every mail left the outbox")
    assert [len(mailbox.received(address)) for address in addresses] == [1] * len(addresses)
