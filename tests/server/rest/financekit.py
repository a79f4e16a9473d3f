"""Consultants with rates, time, budgets, invoices and milestones built through the HTTP
API, for the finance and analytics tests. Dates are relative to the firm's day (Europe/Paris)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.factories import Client, User, add_member, expect, firm_today
from tests.server.rest.projectkit import org_url


def today() -> date:
    return firm_today()


def day(offset: int) -> str:
    """Today + `offset` days, as ISO text."""
    return (today() + timedelta(days=offset)).isoformat()


async def consultant(
    client: Client,
    owner: User,
    org: Any,
    *,
    cost: str,
    sale: str | None,
    statut: str = "AVAILABLE",
    role: str = "CONSULTANT",
) -> User:
    """A new member of `org` with consultant details (daily cost and sale rates)."""
    user = await add_member(client, owner, org["id"], role)
    body: dict[str, Any] = {
        "date_embauche": "2024-01-02",
        "taux_journalier_cout": cost,
        "statut": statut,
    }
    if sale is not None:
        body["taux_journalier_vente"] = sale
    resp = await client.put(
        f"{org_url(org)}/consultants/{user.id}", json=body, headers=owner.headers
    )
    await expect(resp, 201)
    return user


async def log_time(
    client: Client, manager: User, org: Any, project: Any, who: User, hours: str, offset: int
) -> str:
    """A pending time entry of `who` (logged by `manager`) `offset` days from today."""
    body = {
        "projet_id": project["id"],
        "profile_id": str(who.id),
        "date": day(offset),
        "heures_travaillees": hours,
    }
    resp = await client.post(f"{org_url(org)}/time-entries", json=body, headers=manager.headers)
    return str((await expect(resp, 201))["id"])


async def decide(client: Client, manager: User, org: Any, ids: list[str], decision: str) -> None:
    body = {"ids": ids, "decision": decision}
    url = f"{org_url(org)}/time-entries/validate"
    await expect(await client.post(url, json=body, headers=manager.headers), 200)


async def put_budget(
    client: Client, user: User, org: Any, project: Any, vente: str, cout: str, marge: str
) -> Any:
    body = {"montant_total_vente": vente, "cout_estime_total": cout, "marge_cible_pct": marge}
    url = f"{org_url(org)}/projects/{project['id']}/budget"
    return await client.put(url, json=body, headers=user.headers)


async def invoice(client: Client, user: User, org: Any, project: Any, **fields: Any) -> Any:
    body = {"projet_id": project["id"], **fields}
    resp = await client.post(f"{org_url(org)}/invoices", json=body, headers=user.headers)
    return await expect(resp, 201)


async def manual_milestone(
    client: Client, user: User, org: Any, project: Any, start: int, due: int, pct: int
) -> Any:
    """A milestone of `project` from today + `start` to today + `due`, `pct` % done."""
    body = {
        "name": f"Jalon {start}",
        "projet_id": project["id"],
        "start_date": day(start),
        "due_date": day(due),
        "progress_mode": "manual",
        "progress_percentage": pct,
        "status": "completed" if pct == 100 else "in_progress",
    }
    resp = await client.post(f"{org_url(org)}/milestones", json=body, headers=user.headers)
    return await expect(resp, 201)


async def get(client: Client, user: User, path: str, status: int = 200) -> Any:
    return await expect(await client.get(path, headers=user.headers), status)


class Example:
    """The worked example of docs/finance.md, built through the API (see `worked_example`)."""

    def __init__(self, owner: User, org: Any, project: Any, alice: User, bob: User) -> None:
        self.owner = owner
        self.org = org
        self.project = project
        self.alice = alice
        self.bob = bob

    @property
    def url(self) -> str:
        return f"{org_url(self.org)}/projects/{self.project['id']}"


async def worked_example(client: Client) -> Example:
    """A project 50 days into an 80-day plan, with known rates, time, invoices,
    milestones half done, tasks and incidents. The figures it yields are computed by
    hand in tests/server/rest/test_finance.py."""
    from tests.factories import create_org, register
    from tests.server.rest.projectkit import make_project, make_task

    owner = await register(client)
    org = await create_org(client, owner)
    # Alice: 400/day cost, 800/day sale; Bob: 500/day cost, 1000/day sale.
    alice = await consultant(client, owner, org, cost="400.00", sale="800.00")
    bob = await consultant(client, owner, org, cost="500.00", sale="1000.00")
    project = await make_project(client, owner, org, date_debut=day(-50), date_fin_prevue=day(30))
    await expect(await put_budget(client, owner, org, project, "20000", "10000", "40"), 201)
    # Validated: Alice 10 x 8 h = 80 h; Bob 4 x 8 h + 4 h = 36 h.
    validated = [
        await log_time(client, owner, org, project, alice, "8", -30 + i) for i in range(10)
    ]
    validated += [await log_time(client, owner, org, project, bob, "8", -20 + i) for i in range(4)]
    validated.append(await log_time(client, owner, org, project, bob, "4", -16))
    await decide(client, owner, org, validated, "VALIDE")
    # Pending: Alice 8 h. Rejected: Bob 4 h (costs nothing).
    await log_time(client, owner, org, project, alice, "8", -2)
    rejected = await log_time(client, owner, org, project, bob, "4", -15)
    await decide(client, owner, org, [rejected], "REJETE")
    # Invoices: 8000 paid; 4000 unpaid, due 15 days ago (reads RETARD); 2000 not yet due.
    await invoice(
        client,
        owner,
        org,
        project,
        montant="8000",
        date_facturation=day(-60),
        statut_paiement="PAYE",
        numero="F-001",
    )
    await invoice(
        client, owner, org, project, montant="4000", date_facturation=day(-45), numero="F-002"
    )
    await invoice(
        client, owner, org, project, montant="2000", date_facturation=day(-5), numero="F-003"
    )
    # Milestones of 10 days each: one done, one not started yet: 50 % done.
    await manual_milestone(client, owner, org, project, -50, -41, 100)
    await manual_milestone(client, owner, org, project, 0, 9, 0)
    # Tasks: one overdue out of four.
    await make_task(client, owner, org, project, date_fin_cible=day(-1), charge_estimee_jh="5")
    await make_task(client, owner, org, project, statut="DONE", date_fin_cible=day(-3))
    await make_task(client, owner, org, project)
    await make_task(client, owner, org, project)
    # Incidents: one open MOYENNE (2 points), one resolved CRITIQUE (not counted).
    url = f"{org_url(org)}/projects/{project['id']}/incidents"
    for body in (
        {"titre": "Lenteurs", "severite": "MOYENNE"},
        {"titre": "Panne", "severite": "CRITIQUE", "statut": "RESOLU"},
    ):
        await expect(await client.post(url, json=body, headers=owner.headers), 201)
    return Example(owner, org, project, alice, bob)
