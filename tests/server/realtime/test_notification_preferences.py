"""`/me/notification-preferences`: a channel per notification type (`in_app`, `email`,
`off`), honoured where notifications are made (`off`: never created, so neither heard on
a socket nor listed) and in the mail digest (`email`: included in it)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from protocol.enums import NotificationType
from tests.conftest import AppFactory
from tests.factories import Client, User, add_member, expect
from tests.mailbox import Mailbox, text_of
from tests.server.realtime.chatkit import make_org, send, settle
from tests.server.realtime.test_digest_mail import ClientFactory, ServerFactory
from tests.server.realtime.workkit import make_team, notes, wait_notes
from tests.server.rest.projectkit import make_project, make_task
from tests.sio import connected

URL = "/api/v1/me/notification-preferences"


async def _put(http: Client, user: User, body: Any, status: int = 200) -> Any:
    return await expect(await http.put(URL, json=body, headers=user.headers), status)


async def test_every_type_has_a_documented_default(http: Client) -> None:
    team = await make_team(http)
    got = await expect(await http.get(URL, headers=team.dev.headers), 200)
    assert set(got["preferences"]) == {t.value for t in NotificationType}
    assert got["preferences"] == got["defaults"]
    emailed = {t for t, channel in got["defaults"].items() if channel == "email"}
    assert emailed == {"MENTION", "DIRECT_MESSAGE"}
    assert {c for t, c in got["defaults"].items() if t not in emailed} == {"in_app"}
    await expect(await http.get(URL), 401)


async def test_put_sets_the_types_named_and_keeps_the_others(http: Client) -> None:
    team = await make_team(http)
    body = {"preferences": {"TASK_ASSIGNED": "off", "WARNING": "email", "MENTION": "in_app"}}
    got = await _put(http, team.dev, body)
    assert {t: got["preferences"][t] for t in body["preferences"]} == body["preferences"]
    assert got["preferences"]["ERROR"] == "in_app"
    # A second PUT changes only what it names; back to a default is a default again.
    got = await _put(http, team.dev, {"preferences": {"MENTION": "email"}})
    assert got["preferences"]["MENTION"] == "email"
    assert got["preferences"]["TASK_ASSIGNED"] == "off"
    read = await expect(await http.get(URL, headers=team.dev.headers), 200)
    assert read == got
    # Another user's choices are their own.
    other = await expect(await http.get(URL, headers=team.lead.headers), 200)
    assert other["preferences"] == other["defaults"]


async def test_bad_preferences_are_refused_and_change_nothing(http: Client) -> None:
    team = await make_team(http)
    for body in (
        {"preferences": {"TASK_ASSIGNED": "sms"}},
        {"preferences": {"NOPE": "off"}},
        {"preferences": {"TASK_ASSIGNED": "off"}, "extra": 1},
        {"preferences": ["TASK_ASSIGNED"]},
        {},
    ):
        problem = await _put(http, team.dev, body, 422)
        assert problem["status"] == 422
    got = await expect(await http.get(URL, headers=team.dev.headers), 200)
    assert got["preferences"] == got["defaults"]


async def test_off_means_the_notification_is_not_created(server: TestServer, http: Client) -> None:
    team = await make_team(http)
    await _put(http, team.dev, {"preferences": {"TASK_ASSIGNED": "off"}})
    dev = await connected(server, team.dev.access_token)
    try:
        await team.task(team.manager, nom="Muet", profile_responsable_id=str(team.dev.id))
        assert await team.stored(team.dev, "TASK_ASSIGNED") == []
        # Back in the app: the next one arrives (and is the only one: a barrier, pushes
        # leave in commit order).
        await _put(http, team.dev, {"preferences": {"TASK_ASSIGNED": "in_app"}})
        await team.task(team.manager, nom="Audible", profile_responsable_id=str(team.dev.id))
        (heard,) = await wait_notes(dev, "TASK_ASSIGNED", 1)
        assert "Audible" in heard["notification"]["title"]
        assert heard["unread_count"] == 1
        await settle()
        assert len(notes(dev, "TASK_ASSIGNED")) == 1
        assert [n["title"] for n in await team.stored(team.dev, "TASK_ASSIGNED")] == [
            heard["notification"]["title"]
        ]
    finally:
        await dev.close()


async def test_email_puts_a_type_in_the_digest_and_in_app_keeps_it_out(
    make_app: AppFactory,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    mailbox: Mailbox,
) -> None:
    app = make_app(
        smtp_url=SecretStr(mailbox.url),
        notify_email_delay_minutes=0,
        notify_email_check_seconds=0.05,
        mail_poll_seconds=0.05,
    )
    server = await aiohttp_server(app)
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await add_member(http, org.owner, org.id, "CONSULTANT", mailbox=mailbox)
    body = {"preferences": {"TASK_ASSIGNED": "email", "MENTION": "in_app"}}
    await _put(http, bob, body)
    project = await make_project(http, org.owner, org.id)
    alice = await connected(server, org.owner.access_token)
    try:
        # A mention (now in the app only), then a task assigned (now mailed too).
        await send(alice, org.ref(), f"@{bob.email} point à 14h")
        await settle()
        await make_task(http, org.owner, org.id, project, nom="Recette", **_to(bob))
        digest = await mailbox.next(bob.email, seen=2)  # after confirmation and invitation
        await settle()
    finally:
        await alice.close()
    text = text_of(digest)
    assert "Recette" in text and "point à 14h" not in text
    assert len(mailbox.received(bob.email)) == 3
    mentions = await expect(await http.get("/api/v1/notifications", headers=bob.headers), 200)
    assert any(n["type"] == "MENTION" for n in mentions["items"])  # still in the app


def _to(user: User) -> dict[str, str]:
    return {"profile_responsable_id": str(user.id)}
