"""Address verification and password recovery, end to end: HTTP in, real SMTP out."""

from __future__ import annotations

import asyncio
import email
import email.policy
from pathlib import Path

import pytest

from tests.conftest import AppFactory
from tests.factories import PASSWORD, Client, expect, register
from tests.mailbox import Mailbox, html_of, text_of, token_in

NEW_PASSWORD = "a brand new secret phrase"


def _signup(address: str, password: str = PASSWORD) -> dict[str, str]:
    return {"email": address, "password": password, "prenom": "Léa", "nom": "Durand"}


async def _login(client: Client, address: str, password: str = PASSWORD) -> int:
    resp = await client.post("/api/v1/auth/login", json={"email": address, "password": password})
    return resp.status


async def _confirmed(client: Client, mailbox: Mailbox, address: str) -> None:
    """Register through HTTP and confirm with the mailed link."""
    await expect(await client.post("/api/v1/auth/register", json=_signup(address)), 202)
    token = token_in(await mailbox.next(address))
    await expect(await client.post("/api/v1/auth/verify-email", json={"token": token}), 204)


async def test_registration_mails_a_link_that_confirms_the_address_then_sign_in_works(
    mail_client: Client, mailbox: Mailbox
) -> None:
    address = "lea.durand@example.com"
    body = await expect(await mail_client.post("/api/v1/auth/register", json=_signup(address)), 202)
    assert body["status"] == "accepted"
    assert await _login(mail_client, address) == 401  # not confirmed yet
    message = await mailbox.next(address)
    assert message["Subject"] == "Confirmez votre adresse pour Aurentia"
    assert "Bonjour Léa" in text_of(message)
    assert "http://127.0.0.1:8080/verify-email?token=" in text_of(message)
    assert "<a href=" in html_of(message)
    token = token_in(message)
    await expect(await mail_client.post("/api/v1/auth/verify-email", json={"token": token}), 204)
    assert await _login(mail_client, address) == 200
    again = await mail_client.post("/api/v1/auth/verify-email", json={"token": token})
    assert (await expect(again, 404))["code"] == "not_found"


async def test_registering_a_taken_address_answers_alike_and_mails_its_owner(
    mail_client: Client, mailbox: Mailbox
) -> None:
    address = "taken@example.com"
    await _confirmed(mail_client, mailbox, address)
    fresh = await mail_client.post("/api/v1/auth/register", json=_signup("fresh@example.com"))
    taken = await mail_client.post(
        "/api/v1/auth/register", json=_signup(address.upper(), "someone else's password")
    )
    assert (fresh.status, await fresh.json()) == (taken.status, await taken.json())
    notice = await mailbox.next(address, seen=1)
    assert notice["Subject"] == "Vous avez déjà un compte Aurentia"
    assert "/forgot-password" in text_of(notice)
    assert await _login(mail_client, address, "someone else's password") == 401
    assert await _login(mail_client, address) == 200


async def test_resend_mails_a_fresh_link_and_retires_the_previous_one(
    mail_client: Client, mailbox: Mailbox
) -> None:
    address = "slow@example.com"
    await expect(await mail_client.post("/api/v1/auth/register", json=_signup(address)), 202)
    first = token_in(await mailbox.next(address))
    resend = await mail_client.post("/api/v1/auth/verify-email/resend", json={"email": address})
    unknown = await mail_client.post(
        "/api/v1/auth/verify-email/resend", json={"email": "nobody@example.com"}
    )
    assert (resend.status, await resend.json()) == (unknown.status, await unknown.json())
    assert resend.status == 202
    second = token_in(await mailbox.next(address, seen=1))
    assert second != first
    await expect(await mail_client.post("/api/v1/auth/verify-email", json={"token": first}), 404)
    await expect(await mail_client.post("/api/v1/auth/verify-email", json={"token": second}), 204)
    assert mailbox.received("nobody@example.com") == []


async def test_a_profile_in_english_gets_english_mail(
    mail_client: Client, mailbox: Mailbox
) -> None:
    user = await register(mail_client, "english@example.com")
    patched = await mail_client.patch("/api/v1/me", json={"locale": "en"}, headers=user.headers)
    assert (await expect(patched, 200))["locale"] == "en"
    forgot = {"email": "english@example.com"}
    await expect(await mail_client.post("/api/v1/auth/password/forgot", json=forgot), 202)
    message = await mailbox.next("english@example.com", seen=1)  # after the confirmation
    assert message["Subject"] == "Reset your Aurentia password"
    assert "valid for one hour" in text_of(message)


async def test_password_reset_works_once_and_ends_every_session(
    mail_client: Client, mailbox: Mailbox
) -> None:
    user = await register(mail_client, "forgetful@example.com")
    known = await mail_client.post(
        "/api/v1/auth/password/forgot", json={"email": "forgetful@example.com"}
    )
    unknown = await mail_client.post(
        "/api/v1/auth/password/forgot", json={"email": "ghost@example.com"}
    )
    assert (known.status, await known.json()) == (unknown.status, await unknown.json())
    assert known.status == 202
    message = await mailbox.next("forgetful@example.com", seen=1)  # after the confirmation
    assert "/reset-password?token=" in text_of(message)
    token = token_in(message)
    weak = await mail_client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "forgetful@example.com"}
    )
    await expect(weak, 422)  # refused by the policy, and the token still works
    reset = {"token": token, "password": NEW_PASSWORD}
    await expect(await mail_client.post("/api/v1/auth/password/reset", json=reset), 204)
    await expect(await mail_client.post("/api/v1/auth/password/reset", json=reset), 404)
    await expect(await mail_client.get("/api/v1/me", headers=user.headers), 401)
    refresh = {"refresh_token": user.refresh_token}
    await expect(await mail_client.post("/api/v1/auth/refresh", json=refresh), 401)
    assert await _login(mail_client, "forgetful@example.com") == 401
    assert await _login(mail_client, "forgetful@example.com", NEW_PASSWORD) == 200
    assert mailbox.received("ghost@example.com") == []


async def test_password_change_needs_the_current_one_and_keeps_only_this_session(
    mail_client: Client,
) -> None:
    user = await register(mail_client, "changer@example.com")
    other = await mail_client.post(
        "/api/v1/auth/login", json={"email": "changer@example.com", "password": PASSWORD}
    )
    other_tokens = await expect(other, 200)
    wrong = {"current_password": "not my password", "password": NEW_PASSWORD}
    resp = await mail_client.post("/api/v1/auth/password/change", json=wrong, headers=user.headers)
    assert (await expect(resp, 403))["code"] == "forbidden"
    change = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    resp = await mail_client.post("/api/v1/auth/password/change", json=change, headers=user.headers)
    await expect(resp, 204)
    await expect(await mail_client.get("/api/v1/me", headers=user.headers), 200)
    other_headers = {"Authorization": f"Bearer {other_tokens['access_token']}"}
    await expect(await mail_client.get("/api/v1/me", headers=other_headers), 401)
    assert await _login(mail_client, "changer@example.com", NEW_PASSWORD) == 200


async def test_forgot_password_is_rate_limited_per_email(
    make_app: AppFactory,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await aiohttp_client(make_app(password_resets_per_hour_per_email=2))
    statuses = []
    for _ in range(3):
        resp = await client.post(
            "/api/v1/auth/password/forgot", json={"email": "Target@Example.com"}
        )
        statuses.append(resp.status)
    assert statuses == [202, 202, 429]
    assert (await resp.json())["code"] == "rate_limited"
    other = await client.post("/api/v1/auth/password/forgot", json={"email": "else@example.com"})
    assert other.status == 202


def _eml_in(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml")) if directory.exists() else []


async def _eml_files(directory: Path, count: int) -> list[Path]:
    for _ in range(1000):
        files = _eml_in(directory)
        if len(files) >= count:
            return files
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} .eml files in {directory}")


async def test_without_smtp_mails_are_written_as_eml_files(client: Client, tmp_path: Path) -> None:
    """The embedded default (no SMTP_URL): the outbox directory holds the mail."""
    resp = await client.post("/api/v1/auth/register", json=_signup("local@example.com"))
    await expect(resp, 202)
    [path] = await _eml_files(tmp_path / "mail-outbox", 1)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "local@example.com"
    assert message["Subject"] == "Confirmez votre adresse pour Aurentia"
    token = token_in(message)  # type: ignore[arg-type]
    await expect(await client.post("/api/v1/auth/verify-email", json={"token": token}), 204)
    assert await _login(client, "local@example.com") == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/verify-email", {"token": "x" * 43}),
        ("/api/v1/auth/password/reset", {"token": "x" * 43, "password": NEW_PASSWORD}),
    ],
)
async def test_unknown_tokens_are_not_found(client: Client, path: str, body: object) -> None:
    assert (await expect(await client.post(path, json=body), 404))["code"] == "not_found"
