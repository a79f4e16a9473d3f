"""SMTP over STARTTLS (with credentials) and implicit TLS, against a real in-process
server whose certificate is trusted through SMTP_CA_FILE."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from tests.conftest import AppFactory
from tests.factories import PASSWORD, expect
from tests.mailbox import Mailbox, pending_mail, until


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


class _Credentials:
    """Accepts one login, and records every attempt."""

    def __init__(self) -> None:
        self.attempts: list[tuple[bytes, bytes]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        self.attempts.append((data.login, data.password))
        ok = (data.login, data.password) == (b"mailer", b"s3cret")
        return AuthResult(success=ok)


@pytest.fixture
def starttls_box(certificate: tuple[Path, Path]) -> Iterator[tuple[Mailbox, _Credentials]]:
    credentials = _Credentials()
    box = Mailbox(
        credentials="mailer:s3cret@",
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=credentials,
        auth_required=True,
    )
    box.start()
    try:
        yield box, credentials
    finally:
        box.stop()


@pytest.fixture
def tls_box(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    box = Mailbox(scheme="smtps", ssl_context=_server_context(certificate))
    box.start()
    try:
        yield box
    finally:
        box.stop()


def _signup(address: str) -> dict[str, str]:
    return {"email": address, "password": PASSWORD, "prenom": "Léa", "nom": "Durand"}


async def test_mail_goes_over_starttls_with_credentials(
    make_app: AppFactory,
    aiohttp_client: Any,
    starttls_box: tuple[Mailbox, _Credentials],
    certificate: tuple[Path, Path],
) -> None:
    box, credentials = starttls_box
    client = await aiohttp_client(
        make_app(smtp_url=SecretStr(box.url), smtp_ca_file=certificate[0])
    )
    await expect(await client.post("/api/v1/auth/register", json=_signup("tls@example.com")), 202)
    message = await box.next("tls@example.com")
    assert message["Subject"] == "Confirmez votre adresse pour Aurentia"
    assert credentials.attempts == [(b"mailer", b"s3cret")]


async def test_mail_goes_over_implicit_tls(
    make_app: AppFactory, aiohttp_client: Any, tls_box: Mailbox, certificate: tuple[Path, Path]
) -> None:
    client = await aiohttp_client(
        make_app(smtp_url=SecretStr(tls_box.url), smtp_ca_file=certificate[0])
    )
    await expect(await client.post("/api/v1/auth/register", json=_signup("smtps@example.com")), 202)
    message = await tls_box.next("smtps@example.com")
    assert message["To"] == "smtps@example.com"


async def test_an_untrusted_certificate_is_refused_and_the_mail_kept(
    make_app: AppFactory, aiohttp_client: Any, tls_box: Mailbox
) -> None:
    client = await aiohttp_client(make_app(smtp_url=SecretStr(tls_box.url)))
    await expect(await client.post("/api/v1/auth/register", json=_signup("mitm@example.com")), 202)

    async def refused() -> bool:
        rows = await pending_mail(client)
        return len(rows) == 1 and "CERTIFICATE_VERIFY_FAILED" in (rows[0].last_error or "")

    await until(refused, "the send refused for its certificate")
    assert tls_box.received("mitm@example.com") == []
