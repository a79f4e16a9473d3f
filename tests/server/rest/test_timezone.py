"""The firm's time zone: "today" is the organization's date, across a DST change.

Europe/Paris moved from CET (UTC+1) to CEST (UTC+2) on 2026-03-29 at 01:00 UTC: the
same UTC hour of the evening is the same day in Paris before that date and already the
next day after it. The server's clock is frozen through `Services.clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from server.app import SERVICES
from server.services.analytics.analytics_job import run_round
from tests.factories import Client, User, create_org, expect, read_activity, register
from tests.server.rest.financekit import get, invoice
from tests.server.rest.projectkit import make_project, org_url


def freeze(client: Client, instant: str) -> Callable[[], datetime]:
    """Stop the server's clock at `instant` (ISO, UTC)."""
    at = datetime.fromisoformat(instant).replace(tzinfo=UTC)
    client.app[SERVICES].clock = lambda: at
    return client.app[SERVICES].clock


async def firm(client: Client, timezone: str | None = None) -> tuple[User, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    if timezone is not None:
        body = {"timezone": timezone}
        resp = await client.patch(org_url(org), json=body, headers=owner.headers)
        org = await expect(resp, 200)
    project = await make_project(client, owner, org, date_debut="2026-01-05")
    return owner, org, project


async def test_a_new_organization_is_on_paris_time_and_may_move(
    client: Client, database_url: str
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    assert org["timezone"] == "Europe/Paris"
    resp = await client.patch(
        org_url(org), json={"timezone": "America/Montreal"}, headers=owner.headers
    )
    assert (await expect(resp, 200))["timezone"] == "America/Montreal"
    assert (await get(client, owner, org_url(org)))["timezone"] == "America/Montreal"
    [entry] = [
        e
        for e in await read_activity(database_url, org["id"], resource_type="organization")
        if e.action == "ORG_UPDATED"
    ]
    assert entry.metadata_["changes"] == {
        "timezone": {"from": "Europe/Paris", "to": "America/Montreal"}
    }


async def test_an_unknown_or_null_time_zone_is_refused(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    for bad in ["Mars/Olympus", "CET+1", "", "europe/paris", None, 12]:
        resp = await client.patch(org_url(org), json={"timezone": bad}, headers=owner.headers)
        problem = await expect(resp, 422)
        assert problem["errors"][0]["loc"] == ["body", "timezone"]
    resp = await client.post(
        "/api/v1/orgs", json={"name": "Ailleurs", "timezone": "Nowhere/City"}, headers=owner.headers
    )
    await expect(resp, 422)
    assert (await get(client, owner, org_url(org)))["timezone"] == "Europe/Paris"


async def _status(client: Client, owner: User, org: Any, bill: Any) -> str:
    read = await get(client, owner, f"{org_url(org)}/invoices/{bill['id']}")
    return str(read["statut_paiement"])


async def test_an_invoice_falls_late_at_midnight_in_paris_on_both_sides_of_dst(
    client: Client,
) -> None:
    owner, org, project = await firm(client)
    winter = await invoice(
        client, owner, org, project, montant="100", date_facturation="2026-03-01",
        date_echeance="2026-03-27",
    )  # fmt: skip
    summer = await invoice(
        client, owner, org, project, montant="100", date_facturation="2026-03-01",
        date_echeance="2026-03-30",
    )  # fmt: skip
    # CET: 22:59 UTC is 23:59 on the due date in Paris, 23:00 UTC is the next day.
    freeze(client, "2026-03-27T22:59:00")
    assert await _status(client, owner, org, winter) == "EN_ATTENTE"
    freeze(client, "2026-03-27T23:00:00")
    assert await _status(client, owner, org, winter) == "RETARD"
    # CEST: an hour earlier in UTC.
    freeze(client, "2026-03-30T21:59:00")
    assert await _status(client, owner, org, summer) == "EN_ATTENTE"
    freeze(client, "2026-03-30T22:00:00")
    assert await _status(client, owner, org, summer) == "RETARD"
    listed = await get(client, owner, f"{org_url(org)}/invoices?statut_paiement=RETARD")
    assert {i["id"] for i in listed["items"]} == {winter["id"], summer["id"]}


async def test_a_utc_firm_reads_the_same_instant_as_the_day_before(client: Client) -> None:
    owner, org, project = await firm(client, "UTC")
    bill = await invoice(
        client, owner, org, project, montant="100", date_facturation="2026-03-01",
        date_echeance="2026-03-30",
    )  # fmt: skip
    freeze(client, "2026-03-30T22:00:00")
    assert await _status(client, owner, org, bill) == "EN_ATTENTE"
    freeze(client, "2026-03-31T00:00:00")
    assert await _status(client, owner, org, bill) == "RETARD"


async def test_the_current_timesheet_week_turns_at_paris_midnight(client: Client) -> None:
    owner, org, _ = await firm(client)
    url = f"{org_url(org)}/timesheets"
    # Sunday 22:30 UTC: still Sunday in Paris under CET (week 12)...
    freeze(client, "2026-03-22T22:30:00")
    assert (await get(client, owner, url))["week"] == "2026-W12"
    # ...but already Monday under CEST (week 14, not 13).
    freeze(client, "2026-03-29T22:30:00")
    assert (await get(client, owner, url))["week"] == "2026-W14"


async def test_time_may_be_logged_for_the_paris_day_not_yet_begun_in_utc(client: Client) -> None:
    owner, org, project = await firm(client)
    freeze(client, "2026-03-29T22:30:00")  # 00:30 on Monday 30 March in Paris
    body = {"projet_id": project["id"], "date": "2026-03-30", "heures_travaillees": "2"}
    url = f"{org_url(org)}/time-entries"
    await expect(await client.post(url, json=body, headers=owner.headers), 201)
    body["date"] = "2026-03-31"
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert problem["errors"][0]["loc"] == ["body", "date"]


async def test_the_analytics_round_dates_its_scores_in_each_firms_day(client: Client) -> None:
    paris_owner, paris, paris_project = await firm(client)
    utc_owner, utc, utc_project = await firm(client, "UTC")
    await run_round(client.app[SERVICES], datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    for owner, org, project, day in [
        (paris_owner, paris, paris_project, "2026-03-30"),
        (utc_owner, utc, utc_project, "2026-03-29"),
    ]:
        url = f"{org_url(org)}/projects/{project['id']}/health"
        [score] = (await get(client, owner, url))["items"]
        assert score["date_analyse"] == day


async def test_the_portfolio_is_computed_for_the_firms_day(client: Client) -> None:
    owner, org, _ = await firm(client)
    freeze(client, "2026-03-29T22:30:00")
    summary = await get(client, owner, f"{org_url(org)}/finance/summary")
    assert summary["date_calcul"] == "2026-03-30"
