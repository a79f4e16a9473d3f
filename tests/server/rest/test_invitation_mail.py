"""Invitations by mail, end to end: the invitee reads the link from a real SMTP server."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD, Client, User, create_org, expect, register
from tests.mailbox import Mailbox, html_of, text_of, token_in


async def _invite(client: Client, owner: User, org_id: Any, address: str) -> Any:
    resp = await client.post(
        f"/api/v1/orgs/{org_id}/invitations",
        json={"email": address, "role": "MANAGER"},
        headers=owner.headers,
    )
    return await expect(resp, 201)


async def _accept(client: Client, user: User, token: str) -> Any:
    return await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=user.headers
    )


async def test_the_invitee_gets_the_link_by_mail_and_the_inviter_never_sees_the_token(
    mail_client: Client, mailbox: Mailbox
) -> None:
    owner = await register(mail_client, "owner@example.com", prenom="Sophie", nom="Lefèvre")
    org = await create_org(mail_client, owner, "Cap <Horizon> & Co")
    created = await _invite(mail_client, owner, org["id"], "newcomer@example.com")
    assert created["token"] is None
    message = await mailbox.next("newcomer@example.com")
    assert message["Subject"] == (
        "Sophie Lefèvre vous invite à rejoindre Cap <Horizon> & Co sur Aurentia"
    )
    assert "http://127.0.0.1:8080/invitations/accept?token=" in text_of(message)
    assert "Cap &lt;Horizon&gt; &amp; Co" in html_of(message)  # autoescaped
    assert "<Horizon>" not in html_of(message)
    # The invitee registers, confirms the address from the mail, and accepts.
    newcomer = await register(mail_client, "newcomer@example.com")
    joined = await expect(await _accept(mail_client, newcomer, token_in(message)), 201)
    assert (joined["id"], joined["role"]) == (org["id"], "MANAGER")


async def test_resend_mails_a_fresh_link_and_the_old_one_stops_working(
    mail_client: Client, mailbox: Mailbox
) -> None:
    owner = await register(mail_client, "owner2@example.com")
    org = await create_org(mail_client, owner)
    invitee = await register(mail_client, "late@example.com")
    created = await _invite(mail_client, owner, org["id"], "late@example.com")
    first = token_in(await mailbox.next("late@example.com", seen=1))  # after the confirmation
    resp = await mail_client.post(
        f"/api/v1/orgs/{org['id']}/invitations/{created['id']}/resend", headers=owner.headers
    )
    resent = await expect(resp, 200)
    assert (resent["id"], resent["token"]) == (created["id"], None)
    second = token_in(await mailbox.next("late@example.com", seen=2))
    assert second != first
    assert (await _accept(mail_client, invitee, first)).status == 404
    await expect(await _accept(mail_client, invitee, second), 201)
    again = await mail_client.post(
        f"/api/v1/orgs/{org['id']}/invitations/{created['id']}/resend", headers=owner.headers
    )
    assert (await expect(again, 409))["code"] == "conflict"


async def test_a_revoked_invitation_cannot_be_accepted(
    mail_client: Client, mailbox: Mailbox
) -> None:
    owner = await register(mail_client, "owner3@example.com")
    org = await create_org(mail_client, owner)
    invitee = await register(mail_client, "revoked@example.com")
    created = await _invite(mail_client, owner, org["id"], "revoked@example.com")
    token = token_in(await mailbox.next("revoked@example.com", seen=1))
    resp = await mail_client.delete(
        f"/api/v1/orgs/{org['id']}/invitations/{created['id']}", headers=owner.headers
    )
    await expect(resp, 204)
    assert (await _accept(mail_client, invitee, token)).status == 404
    listed = await mail_client.get(f"/api/v1/orgs/{org['id']}/invitations", headers=owner.headers)
    assert (await expect(listed, 200))["items"] == []


async def test_without_smtp_the_inviter_gets_the_token_to_pass_on(client: Client) -> None:
    owner = await register(client, "owner4@example.com")
    org = await create_org(client, owner)
    created = await _invite(client, owner, org["id"], "byhand@example.com")
    assert isinstance(created["token"], str) and len(created["token"]) >= 32


async def test_an_unconfirmed_address_cannot_sign_in_to_accept(
    mail_client: Client, mailbox: Mailbox
) -> None:
    """Holding the invitation link is not enough: the address must be proven first."""
    owner = await register(mail_client, "owner5@example.com")
    org = await create_org(mail_client, owner)
    await _invite(mail_client, owner, org["id"], "squatter@example.com")
    signup = {"email": "squatter@example.com", "password": PASSWORD, "prenom": "S", "nom": "Q"}
    await expect(await mail_client.post("/api/v1/auth/register", json=signup), 202)
    login = {"email": "squatter@example.com", "password": PASSWORD}
    await expect(await mail_client.post("/api/v1/auth/login", json=login), 401)
