"""The notification digest mail: unread mentions and direct messages of a user away
from every socket, once, with a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from tests.conftest import AppFactory
from tests.factories import Client, User, add_member, expect
from tests.mailbox import Mailbox, html_of, text_of
from tests.server.realtime.chatkit import Org, make_org, send, settle
from tests.sio import connected

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientFactory = Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]]


async def _world(
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    mailbox: Mailbox,
    **settings: Any,
) -> tuple[TestServer, Client]:
    app = make_app(
        smtp_url=SecretStr(mailbox.url),
        notify_email_delay_minutes=0,
        notify_email_check_seconds=0.05,
        mail_poll_seconds=0.05,
        **settings,
    )
    server = await aiohttp_server(app)
    return server, await aiohttp_client(server)


async def _member(http: Client, org: Org, mailbox: Mailbox) -> User:
    return await add_member(http, org.owner, org.id, mailbox=mailbox)


async def test_an_absent_user_gets_one_digest_and_can_unsubscribe_in_one_click(
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    mailbox: Mailbox,
) -> None:
    server, http = await _world(make_app, aiohttp_server, aiohttp_client, mailbox)
    org = await make_org(http)
    bob = await _member(http, org, mailbox)
    alice = await connected(server, org.owner.access_token)
    try:
        await send(alice, {"type": "direct", "id": str(bob.id)}, "tu as vu le <devis> ?")
        digest = await mailbox.next(bob.email, seen=2)  # after confirmation and invitation
    finally:
        await alice.close()
    assert digest["Subject"] == "1 message non lu sur Aurentia"
    assert "tu as vu le <devis> ?" in text_of(digest)
    assert "tu as vu le &lt;devis&gt; ?" in html_of(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = digest["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8080/api/v1/mail/unsubscribe?token=")
    path = url.removeprefix("http://127.0.0.1:8080")
    # A GET (a link scanner, a person) changes nothing; the one-click POST does.
    await expect(await http.get(path), 200)
    me = await expect(await http.get("/api/v1/me", headers=bob.headers), 200)
    assert me["email_notifications"] == "digest"
    resp = await http.post(path, data={"List-Unsubscribe": "One-Click"})
    await expect(resp, 200)
    me = await expect(await http.get("/api/v1/me", headers=bob.headers), 200)
    assert me["email_notifications"] == "off"
    await expect(await http.post("/api/v1/mail/unsubscribe?token=" + "x" * 40), 404)


async def test_the_digest_is_not_repeated_and_skips_connected_and_unsubscribed_users(
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    mailbox: Mailbox,
) -> None:
    server, http = await _world(make_app, aiohttp_server, aiohttp_client, mailbox)
    org = await make_org(http)
    away = await _member(http, org, mailbox)
    quiet = await _member(http, org, mailbox)
    online = await _member(http, org, mailbox)
    off = {"email_notifications": "off"}
    await expect(await http.patch("/api/v1/me", json=off, headers=quiet.headers), 200)
    online_peer = await connected(server, online.access_token)
    alice = await connected(server, org.owner.access_token)
    try:
        for user in (away, quiet, online):
            await send(alice, org.ref(), f"@{user.email} point à 14h")
        await mailbox.next(away.email, seen=2)
        # A later mention makes a second digest; the first one is not sent again.
        await send(alice, org.ref(), f"@{away.email} et à 16h")
        second = await mailbox.next(away.email, seen=3)
        await settle()
    finally:
        await alice.close()
        await online_peer.close()
    assert "et à 16h" in text_of(second) and "point à 14h" not in text_of(second)
    assert len(mailbox.received(quiet.email)) == 2  # confirmation and invitation only
    assert len(mailbox.received(online.email)) == 2


async def test_daily_means_at_most_one_digest_a_day(
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    mailbox: Mailbox,
) -> None:
    server, http = await _world(make_app, aiohttp_server, aiohttp_client, mailbox)
    org = await make_org(http)
    bob = await _member(http, org, mailbox)
    daily = {"email_notifications": "daily", "locale": "en"}
    await expect(await http.patch("/api/v1/me", json=daily, headers=bob.headers), 200)
    alice = await connected(server, org.owner.access_token)
    try:
        await send(alice, org.ref(), f"@{bob.email} first")
        first = await mailbox.next(bob.email, seen=2)
        await send(alice, org.ref(), f"@{bob.email} second")
        await send(alice, org.ref(), f"@{bob.email} third")
        await settle()
    finally:
        await alice.close()
    assert first["Subject"] == "1 unread message on Aurentia"
    assert len(mailbox.received(bob.email)) == 3
