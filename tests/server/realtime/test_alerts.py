"""Alerts from the periodic job, heard on real sockets and read back from the feed: each
once per transition (a job run again sends nothing), to the finance roles (and the
project's lead when they may read its figures), never to a consultant or a client
contact, each naming and linking its resource, with the exact unread badge."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestServer

from server.keys import SERVICES
from server.services.analytics.alerts import budget_step, working_days_before
from server.services.analytics.analytics_job import run_round
from tests.factories import Client, User, create_org, expect, register
from tests.server.realtime.chatkit import settle
from tests.server.realtime.workkit import make_team
from tests.server.rest.financekit import (
    consultant,
    day,
    decide,
    invoice,
    log_time,
    put_budget,
    worked_example,
)
from tests.server.rest.projectkit import make_project, make_task, org_url
from tests.sio import Peer, connected


def _alerts(peer: Peer, resource_type: str | None = None) -> list[Any]:
    """The alert notifications the peer heard (of one resource type), in order."""
    return [
        n
        for n in peer.events["notification:new"]
        if n["notification"]["metadata"].get("alert")
        and resource_type in (None, n["notification"]["metadata"]["resource_type"])
    ]


async def _wait_alerts(peer: Peer, count: int, resource_type: str | None = None) -> list[Any]:
    await peer.wait_until(lambda: len(_alerts(peer, resource_type)) >= count, timeout=15)
    return _alerts(peer, resource_type)


async def _feed(http: Client, user: User) -> dict[str, Any]:
    resp = await http.get("/api/v1/notifications?limit=200", headers=user.headers)
    return dict(await expect(resp, 200))


def _stored_alerts(feed: dict[str, Any], resource_type: str | None = None) -> list[Any]:
    return [
        n
        for n in feed["items"]
        if n["metadata"].get("alert") and resource_type in (None, n["metadata"]["resource_type"])
    ]


def test_budget_steps_are_80_and_100_percent() -> None:
    cases = {None: 0, "79.99": 0, "80": 80, "99.99": 80, "100": 100, "250": 100}
    got = {k: budget_step(None if k is None else Decimal(k)) for k in cases}
    assert got == {k: Decimal(v) for k, v in cases.items()}


def test_working_days_skip_weekends() -> None:
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    assert working_days_before(monday, 2) == date(2026, 12, 3)  # Thursday
    assert working_days_before(tuesday, 2) == date(2026, 12, 4)  # Friday


async def test_red_health_late_invoice_and_high_risks_are_alerted_once_to_finance_roles(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    base, project = org_url(team.org), team.project
    # Two overdue tasks, an open critical incident and a late invoice: health 25 (ROUGE),
    # the delay risk at 100 % and the quality risk at 80 %.
    for offset in (-1, -2):
        await make_task(http, team.manager, team.org, project, date_fin_cible=day(offset))
    url = f"{base}/projects/{project['id']}/incidents"
    body = {"titre": "Production arrêtée", "severite": "CRITIQUE"}
    await expect(await http.post(url, json=body, headers=team.manager.headers), 201)
    late = await invoice(
        http, team.owner, team.org, project, montant="100", date_facturation=day(-31)
    )
    peers = {
        name: await connected(server, user.access_token)
        for name, user in (
            ("owner", team.owner),
            ("manager", team.manager),
            ("lead", team.lead),
            ("contact", team.contact),
        )
    }
    svc = server.app[SERVICES]
    try:
        await run_round(svc)
        for name, user in (("owner", team.owner), ("manager", team.manager)):
            heard = await _wait_alerts(peers[name], 4)
            kinds = sorted(
                (n["notification"]["type"], n["notification"]["metadata"]["resource_type"])
                for n in heard
            )
            assert kinds == [
                ("ERROR", "project"),
                ("WARNING", "invoice"),
                ("WARNING", "risk_prediction"),
                ("WARNING", "risk_prediction"),
            ]
            by_type = {n["notification"]["metadata"]["resource_type"]: n for n in heard}
            health = by_type["project"]["notification"]
            assert health["link"] == f"/orgs/{team.org['id']}/projects/{project['id']}/health"
            assert health["metadata"]["resource_id"] == project["id"]
            assert project["nom"] in health["title"]
            bill = by_type["invoice"]["notification"]
            assert bill["link"] == f"/orgs/{team.org['id']}/invoices/{late['id']}"
            assert bill["metadata"]["resource_id"] == late["id"]
            # The badge is the server's count after the commit.
            feed = await _feed(http, user)
            assert heard[-1]["unread_count"] == feed["unread_count"]
            assert len(_stored_alerts(feed)) == 4
        # The job again: every state is as last alerted, so nothing is sent or stored.
        report = await run_round(svc)
        assert report.failed == 0
        await settle()
        for name, user in (("owner", team.owner), ("manager", team.manager)):
            assert len(_alerts(peers[name])) == 4
            assert len(_stored_alerts(await _feed(http, user))) == 4
        # A consultant leading the project may not read its figures; a client contact
        # neither: neither is told.
        for name, user in (("lead", team.lead), ("contact", team.contact)):
            assert _alerts(peers[name]) == []
            assert _stored_alerts(await _feed(http, user)) == []
    finally:
        for peer in peers.values():
            await peer.close()


async def test_budget_alerts_once_at_80_then_once_at_100_percent(
    server: TestServer, http: Client
) -> None:
    owner = await register(http)
    org = await create_org(http, owner)
    project = await make_project(http, owner, org)
    alice = await consultant(http, owner, org, cost="400.00", sale="800.00")
    await expect(await put_budget(http, owner, org, project, "2000", "1000", "30"), 201)
    entries = [await log_time(http, owner, org, project, alice, "8", -i) for i in (3, 4)]
    await decide(http, owner, org, entries, "VALIDE")
    peer = await connected(server, owner.access_token)
    svc = server.app[SERVICES]
    try:
        # 2 days x 400 = 800 of 1000: 80 %.
        await run_round(svc)
        (first,) = await _wait_alerts(peer, 1, "budget")
        note = first["notification"]
        assert (note["type"], note["metadata"]["resource_id"]) == ("WARNING", project["id"])
        assert note["link"] == f"/orgs/{org['id']}/projects/{project['id']}/budget"
        assert "80 %" in note["title"]
        await run_round(svc)
        # A third day: 1200 of 1000, past 100 %.
        more = await log_time(http, owner, org, project, alice, "8", -5)
        await decide(http, owner, org, [more], "VALIDE")
        await run_round(svc)
        second = (await _wait_alerts(peer, 2, "budget"))[1]["notification"]
        assert second["type"] == "ERROR" and "100 %" in second["title"]
        await run_round(svc)
        await settle()
        assert len(_alerts(peer, "budget")) == 2
        assert len(_stored_alerts(await _feed(http, owner), "budget")) == 2
    finally:
        await peer.close()


async def test_an_invoice_turning_late_on_the_firms_day_is_alerted_once(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    # Invoiced 29 days ago: due tomorrow (30 days), so not late today.
    bill = await invoice(
        http, team.owner, team.org, team.project, montant="500", date_facturation=day(-29)
    )
    owner = await connected(server, team.owner.access_token)
    dev = await connected(server, team.dev.access_token)
    svc = server.app[SERVICES]
    try:
        now = svc.clock()
        await run_round(svc, now)
        await run_round(svc, now + timedelta(days=3))
        (heard,) = await _wait_alerts(owner, 1, "invoice")
        assert heard["notification"]["metadata"]["resource_id"] == bill["id"]
        await run_round(svc, now + timedelta(days=3))
        await run_round(svc, now + timedelta(days=4))
        await settle()
        assert len(_alerts(owner, "invoice")) == 1
        assert len(_stored_alerts(await _feed(http, team.manager), "invoice")) == 1
        assert _alerts(dev) == [] and _stored_alerts(await _feed(http, team.dev)) == []
    finally:
        await owner.close()
        await dev.close()


async def test_time_waiting_two_working_days_sends_one_digest_per_validator_per_day(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    for offset in (-1, -2):
        await log_time(http, team.dev, team.org, team.project, team.dev, "7", offset)
    manager = await connected(server, team.manager.access_token)
    dev = await connected(server, team.dev.access_token)
    svc = server.app[SERVICES]
    try:
        now = svc.clock()
        # Just entered: nothing yet.
        await run_round(svc, now)
        # A week later: one digest, however often the job runs that day.
        await run_round(svc, now + timedelta(days=7))
        await run_round(svc, now + timedelta(days=7))
        (digest,) = await _wait_alerts(manager, 1, "time_entries")
        note = digest["notification"]
        assert note["type"] == "INFO" and note["title"].startswith("2 saisie(s)")
        assert note["link"].startswith(f"/orgs/{team.org['id']}/time-entries")
        # The next day, still waiting: the next digest.
        await run_round(svc, now + timedelta(days=8))
        await _wait_alerts(manager, 2, "time_entries")
        for validator in (team.owner, team.manager):
            assert len(_stored_alerts(await _feed(http, validator), "time_entries")) == 2
        await settle()
        assert _alerts(dev) == [] and _stored_alerts(await _feed(http, team.dev)) == []
    finally:
        await manager.close()
        await dev.close()


async def test_a_drift_turning_critical_is_alerted_once(server: TestServer, http: Client) -> None:
    ex = await worked_example(http)
    peer = await connected(server, ex.owner.access_token)
    svc = server.app[SERVICES]
    try:
        await run_round(svc)
        # Workload 14.5 validated days for 5 estimated: CHARGE is CRITIQUE.
        (heard,) = await _wait_alerts(peer, 1, "drift")
        note = heard["notification"]
        assert note["type"] == "ERROR" and "CHARGE" in note["title"]
        assert note["link"] == f"/orgs/{ex.org['id']}/projects/{ex.project['id']}/drifts"
        drifts = await expect(await http.get(f"{ex.url}/drifts", headers=ex.owner.headers), 200)
        critical = [d["id"] for d in drifts["items"] if d["severite"] == "CRITIQUE"]
        assert note["metadata"]["resource_id"] in critical
        await run_round(svc)
        await settle()
        assert len(_alerts(peer, "drift")) == 1
        assert len(_stored_alerts(await _feed(http, ex.owner), "drift")) == 1
    finally:
        await peer.close()
