"""A real SMTP server in-process (aiosmtpd): what the server sends is read back here."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class Mailbox:
    """The messages an SMTP server on 127.0.0.1 received, by recipient."""

    def __init__(self, scheme: str = "smtp", credentials: str = "", **options: Any) -> None:
        """`options` go to aiosmtpd's Controller (TLS contexts, authentication)."""
        self._collector = _Collector()
        self.port = free_port()
        self._scheme, self._credentials = scheme, credentials
        self._controller = Controller(
            self._collector, hostname="127.0.0.1", port=self.port, **options
        )

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self._credentials}127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def received(self, to: str) -> list[EmailMessage]:
        with self._collector.lock:
            return [m for m in self._collector.messages if m["To"] == to]

    async def next(self, to: str, seen: int = 0, timeout: float = 20.0) -> EmailMessage:
        """The message number `seen` (0: the first) sent to `to`, once it arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            messages = self.received(to)
            if len(messages) > seen:
                return messages[seen]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no mail #{seen + 1} for {to} within {timeout}s")


async def invitation_token(mailbox: Mailbox, to: str, timeout: float = 20.0) -> str:
    """The token of the newest invitation mail sent to `to`, once one arrives."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        invitations = [m for m in mailbox.received(to) if "/invitations/accept?" in text_of(m)]
        if invitations:
            return token_in(invitations[-1])
        await asyncio.sleep(0.02)
    raise AssertionError(f"no invitation mail for {to} within {timeout}s")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def token_in(message: EmailMessage) -> str:
    """The token of the link in the mail's text part."""
    found = re.search(r"[?&]token=([A-Za-z0-9_-]+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def each(messages: list[EmailMessage]) -> Iterator[tuple[str, str]]:
    for message in messages:
        yield str(message["Subject"]), text_of(message)


async def pending_mail(client: Any) -> list[Any]:
    """The outbox rows not yet sent nor given up, read through the store."""
    from server.keys import SESSIONS
    from store import outbox
    from store.db import unit_of_work

    assert client.app is not None
    async with unit_of_work(client.app[SESSIONS]) as session:
        return list(await outbox.pending(session))


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened within {timeout}s: {what}")
