"""How a mail leaves: SMTP (aiosmtplib), or a .eml file in the outbox directory.

`smtp://user:pass@host:587` sends over STARTTLS (required when credentials are given,
else used whenever the server offers it); `smtps://host:465` is implicit TLS. Without
SMTP_URL, each mail becomes `<MAIL_OUTBOX_DIR>/<time>-<id>.eml` and its subject is
logged, so a newcomer on the embedded default reads their mails without a server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from ..settings import Settings

log = logging.getLogger("aurentia.mail")


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, Any],
    mail_id: uuid.UUID,
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML preferred by readers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(idstring=mail_id.hex, domain=_domain_of(sender))
    for name, value in headers.items():
        message[name] = str(value)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip("> ") or "aurentia.localhost"


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, url: str, timeout: float, ca_file: Path | None = None) -> None:
        parts = urlsplit(url)
        self._ca_file = str(ca_file) if ca_file is not None else None
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 587)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        # Credentials never cross the network in clear: STARTTLS is then required (else
        # None: used whenever the server offers it).
        start_tls = False if self._implicit_tls else (True if self._username is not None else None)
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._implicit_tls,
            start_tls=start_tls,
            timeout=self._timeout,
            validate_certs=True,
            cert_bundle=self._ca_file,
        )


class FileTransport:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)
        log.info(
            "mail written to the outbox directory",
            extra={
                "fields": {"subject": str(message["Subject"]), "directory": str(self._directory)}
            },
        )

    def _write(self, message: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = self._directory / f".{name}.part"
        partial.write_bytes(message.as_bytes())
        os.replace(partial, self._directory / name)


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url is not None:
        return SmtpTransport(
            settings.smtp_url.get_secret_value(),
            settings.smtp_timeout_seconds,
            settings.smtp_ca_file,
        )
    return FileTransport(settings.outbox_dir)
