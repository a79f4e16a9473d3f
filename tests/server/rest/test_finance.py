"""Budgets, invoices, a project's financials, the portfolio summary and utilization."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient

from tests.factories import Client, add_member, create_org, expect, read_activity, register
from tests.server.rest.financekit import (
    consultant,
    day,
    decide,
    get,
    invoice,
    log_time,
    put_budget,
    today,
    worked_example,
)
from tests.server.rest.projectkit import locs, make_project, org_url


async def test_worked_example_yields_the_figures_computed_by_hand(client: Client) -> None:
    ex = await worked_example(client)
    fin = await get(client, ex.owner, f"{ex.url}/financials")
    assert fin["date_calcul"] == today().isoformat()
    assert fin["heures_par_jour"] == "8"
    # Invoices: 8000 paid + 4000 late (due 15 days ago) + 2000 pending = 14000 invoiced;
    # outstanding 14000 - 8000 = 6000; left to invoice 20000 - 14000 = 6000.
    assert fin["facturation"] == {
        "vendu": "20000.00",
        "facture": "14000.00",
        "paye": "8000.00",
        "restant_du": "6000.00",
        "en_attente": "2000.00",
        "en_retard": "4000.00",
        "factures_en_retard": 1,
        "reste_a_facturer": "6000.00",
    }
    # Validated: Alice 80 h = 10 days x 400 = 4000; Bob 36 h = 4.5 days x 500 = 2250;
    # actual cost 6250. Pending: Alice 8 h = 1 day x 400 = 400 (apart). Bob's rejected
    # 4 h cost nothing. Revenue at sale rates: 10 x 800 + 4.5 x 1000 = 12500.
    assert fin["couts"] == {
        "heures_validees": "116.00",
        "jours_valides": "14.50",
        "cout_reel": "6250.00",
        "heures_en_attente": "8.00",
        "cout_en_attente": "400.00",
        "chiffre_affaires_taux_vente": "12500.00",
        "heures_sans_taux": "0.00",
    }
    # Margin 12500 - 6250 = 6250, 50 % of revenue, 10 points above the 40 % target.
    # EAC = 10000 / 0.8 = 12500: forecast margin (20000 - 12500) / 20000 = 37.5 %.
    assert fin["marges"] == {
        "marge_reelle": "6250.00",
        "marge_reelle_pct": "50.00",
        "marge_cible_pct": "40.00",
        "ecart_marge_pts": "10.00",
        "marge_prevue_pct": "37.50",
    }
    # 6250 spent of the 10000 budgeted cost.
    assert fin["budget_consomme_pct"] == "62.50"
    # Plan: 50 of 80 days elapsed = 62.5 %; PV = 10000 x 0.625 = 6250.
    # Milestones of equal length (10 days), 100 % and 0 %: 50 %; EV = 5000.
    # CPI = 5000 / 6250 = 0.8; SPI = 5000 / 6250 = 0.8; EAC = 12500;
    # CV = 5000 - 6250 = -1250; SV = 5000 - 6250 = -1250.
    assert fin["valeur_acquise"] == {
        "bac": "10000.00",
        "avancement_prevu_pct": "62.50",
        "avancement_reel_pct": "50.00",
        "source_avancement": "jalons",
        "pv": "6250.00",
        "ev": "5000.00",
        "ac": "6250.00",
        "cpi": "0.8000",
        "spi": "0.8000",
        "eac": "12500.00",
        "cv": "-1250.00",
        "sv": "-1250.00",
    }
    # Health, each factor's sub-score x weight:
    #   CPI 0.8: (0.8 - 0.7) / 0.3 = 1/3 x 25 = 8.3333
    #   SPI 0.8: 1/3 x 20 = 6.6667
    #   margin 50 % vs 40 %: above target = 1 x 15 = 15
    #   overdue tasks 1 of 4: 1 - 2 x 1/4 = 0.5 x 10 = 5
    #   overdue milestones 0 of 2: 1 x 10 = 10
    #   late invoices 4000 of 14000: 1 - 2 x 4/14 = 3/7 x 10 = 4.2857
    #   open incidents: one MOYENNE = 2 points: 1 - 2/8 = 0.75 x 10 = 7.5
    # total 56.7857 of 100 -> 56.79, ORANGE (40 <= score < 70).
    resp = await client.post(f"{ex.url}/health", headers=ex.owner.headers)
    health = await expect(resp, 201)
    assert health["score_global"] == "56.79"
    assert health["couleur_risque"] == "ORANGE"
    assert {f["code"]: (f["poids"], f["sous_score"]) for f in health["facteurs"]} == {
        "cpi": (25, "0.3333"),
        "spi": (20, "0.3333"),
        "marge": (15, "1.0000"),
        "taches_en_retard": (10, "0.5000"),
        "jalons_en_retard": (10, "1.0000"),
        "factures_en_retard": (10, "0.4286"),
        "incidents_ouverts": (10, "0.7500"),
    }
    text = health["raisonnement_ia"]
    assert text.startswith("Score de santé 56,79/100 : ORANGE")
    assert "CPI (performance des coûts) (poids 25) : 0,8000" in text
    assert "1 tâche(s) en retard sur 4" in text
    assert "4000,00 € en retard sur 14000,00 € facturés" in text


# Budgets ------------------------------------------------------------------------------


async def _org_project(client: Client) -> tuple[Any, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org, date_debut=day(-10), date_fin_prevue=day(10))
    return owner, org, project


async def test_budget_put_creates_then_replaces_the_one_budget(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _org_project(client)
    url = f"{org_url(org)}/projects/{project['id']}/budget"
    await get(client, owner, url, 404)
    created = await expect(
        await put_budget(client, owner, org, project, "1000.5", "800", "20"), 201
    )
    assert (created["montant_total_vente"], created["marge_cible_pct"]) == ("1000.50", "20.00")
    replaced = await expect(await put_budget(client, owner, org, project, "1200", "900", "25"), 200)
    assert replaced["id"] == created["id"]
    assert (await get(client, owner, url))["cout_estime_total"] == "900.00"
    logged = await read_activity(database_url, org["id"], resource_type="budget")
    assert [entry.action for entry in logged] == ["BUDGET_SET", "BUDGET_SET"]


async def test_budget_figures_must_be_non_negative_and_margin_a_percentage(client: Client) -> None:
    owner, org, project = await _org_project(client)
    resp = await put_budget(client, owner, org, project, "-1", "-0.01", "100.01")
    assert locs(await expect(resp, 422)) == {
        "body.montant_total_vente",
        "body.cout_estime_total",
        "body.marge_cible_pct",
    }
    resp = await put_budget(client, owner, org, project, "10.005", "0", "0")
    assert locs(await expect(resp, 422)) == {"body.montant_total_vente"}
    await expect(await put_budget(client, owner, org, project, "0", "0", "100"), 201)


async def test_budget_of_a_missing_or_foreign_project_is_not_found(client: Client) -> None:
    owner, org, _ = await _org_project(client)
    _, _, foreign = await _org_project(client)
    resp = await put_budget(client, owner, org, foreign, "1", "1", "1")
    await expect(resp, 404)
    await expect(
        await put_budget(client, owner, org, {"id": str(uuid.uuid4())}, "1", "1", "1"), 404
    )


# Invoices -----------------------------------------------------------------------------


async def test_invoice_due_date_defaults_to_thirty_days_and_may_not_precede_it(
    client: Client,
) -> None:
    owner, org, project = await _org_project(client)
    made = await invoice(client, owner, org, project, montant="100", date_facturation="2026-01-31")
    assert made["date_echeance"] == "2026-03-02"
    assert made["statut_paiement"] in {"EN_ATTENTE", "RETARD"}
    url = f"{org_url(org)}/invoices"
    body = {
        "projet_id": project["id"],
        "montant": "0",
        "date_facturation": "2026-01-31",
        "date_echeance": "2026-01-30",
        "statut_paiement": "PERDU",
    }
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert locs(problem) == {"body.montant", "body.statut_paiement"}
    body.update(montant="1", statut_paiement="PAYE")
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert "date_echeance" in problem["errors"][0]["msg"]
    body.update(projet_id=str(uuid.uuid4()), date_echeance="2026-01-31")
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert locs(problem) == {"body.projet_id"}


async def test_unpaid_invoice_past_due_reads_late_without_being_stored_late(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _org_project(client)
    late = await invoice(client, owner, org, project, montant="10", date_facturation=day(-40))
    due = await invoice(client, owner, org, project, montant="20", date_facturation=day(-10))
    paid = await invoice(
        client, owner, org, project, montant="30", date_facturation=day(-90), statut_paiement="PAYE"
    )
    assert (late["statut_paiement"], late["jours_de_retard"]) == ("RETARD", 10)
    assert (due["statut_paiement"], due["jours_de_retard"]) == ("EN_ATTENTE", 0)
    assert (paid["statut_paiement"], paid["jours_de_retard"]) == ("PAYE", 0)
    url = f"{org_url(org)}/invoices"
    for status, expected in (("RETARD", [late]), ("EN_ATTENTE", [due]), ("PAYE", [paid])):
        page = await get(client, owner, f"{url}?statut_paiement={status}")
        assert [i["id"] for i in page["items"]] == [i["id"] for i in expected]
    from store import invoices as store
    from store.db import create_engine, create_session_factory

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            row = await store.get_invoice(
                session, org_id=uuid.UUID(org["id"]), invoice_id=uuid.UUID(late["id"])
            )
            assert row is not None and row.statut_paiement == "EN_ATTENTE"
    finally:
        await engine.dispose()
    paid_now = await expect(
        await client.patch(
            f"{url}/{late['id']}", json={"statut_paiement": "PAYE"}, headers=owner.headers
        ),
        200,
    )
    assert (paid_now["statut_paiement"], paid_now["jours_de_retard"]) == ("PAYE", 0)


async def test_invoices_list_filters_by_project_and_pages_newest_first(client: Client) -> None:
    owner, org, project = await _org_project(client)
    other = await make_project(client, owner, org)
    made = [
        await invoice(client, owner, org, project, montant="1", date_facturation=day(-i))
        for i in range(3)
    ]
    await invoice(client, owner, org, other, montant="1", date_facturation=day(0))
    url = f"{org_url(org)}/invoices?projet_id={project['id']}&limit=2"
    first = await get(client, owner, url)
    second = await get(client, owner, f"{url}&cursor={first['next_cursor']}")
    assert [i["id"] for i in first["items"] + second["items"]] == [m["id"] for m in made]
    assert second["next_cursor"] is None


async def test_invoice_post_with_idempotency_key_creates_once(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _org_project(client)
    url = f"{org_url(org)}/invoices"
    body = {"projet_id": project["id"], "montant": "150", "date_facturation": day(-1)}
    headers = {**owner.headers, "Idempotency-Key": "inv-1"}
    first = await expect(await client.post(url, json=body, headers=headers), 201)
    again = await expect(await client.post(url, json=body, headers=headers), 201)
    assert again == first
    changed = {**body, "montant": "151"}
    await expect(await client.post(url, json=changed, headers=headers), 409)
    assert len((await get(client, owner, url))["items"]) == 1
    assert len(await read_activity(database_url, org["id"], resource_type="invoice")) == 1


async def test_invoice_numbers_are_unique_in_the_organization(client: Client) -> None:
    owner, org, project = await _org_project(client)
    await invoice(client, owner, org, project, montant="1", date_facturation=day(0), numero="F-1")
    url = f"{org_url(org)}/invoices"
    body = {"projet_id": project["id"], "montant": "1", "date_facturation": day(0), "numero": "F-1"}
    await expect(await client.post(url, json=body, headers=owner.headers), 409)
    other = await invoice(client, owner, org, project, montant="1", date_facturation=day(0))
    resp = await client.patch(f"{url}/{other['id']}", json={"numero": "F-1"}, headers=owner.headers)
    await expect(resp, 409)


async def test_invoice_patch_checks_dates_and_delete_removes_it(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _org_project(client)
    made = await invoice(
        client, owner, org, project, numero="A-1", montant="5", date_facturation="2026-01-10"
    )
    url = f"{org_url(org)}/invoices/{made['id']}"
    problem = await expect(
        await client.patch(url, json={"date_facturation": "2026-03-01"}, headers=owner.headers), 422
    )
    assert locs(problem) == {"body.date_facturation"}
    problem = await expect(
        await client.patch(url, json={"montant": None}, headers=owner.headers), 422
    )
    assert locs(problem) == {"body.montant"}
    patched = await expect(
        await client.patch(url, json={"montant": "7.5", "numero": "X"}, headers=owner.headers), 200
    )
    assert (patched["montant"], patched["numero"]) == ("7.50", "X")
    await expect(await client.delete(url, headers=owner.headers), 204)
    await get(client, owner, url, 404)
    actions = [
        e.action for e in await read_activity(database_url, org["id"], resource_type="invoice")
    ]
    assert actions == ["INVOICE_DELETED", "INVOICE_UPDATED", "INVOICE_CREATED"]


async def test_client_member_reads_only_their_projects_invoices_and_no_costs(
    client: Client,
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    theirs = await make_project(client, owner, org, contact=contact)
    other = await make_project(client, owner, org)
    mine = await invoice(client, owner, org, theirs, montant="10", date_facturation=day(0))
    hidden = await invoice(client, owner, org, other, montant="20", date_facturation=day(0))
    url = f"{org_url(org)}/invoices"
    assert [i["id"] for i in (await get(client, contact, url))["items"]] == [mine["id"]]
    await get(client, contact, f"{url}/{mine['id']}")
    await get(client, contact, f"{url}/{hidden['id']}", 404)
    csv_text = await (
        await client.get(f"{org_url(org)}/invoices.csv", headers=contact.headers)
    ).text()
    assert mine["id"] in csv_text and hidden["id"] not in csv_text
    body = {"projet_id": theirs["id"], "montant": "1", "date_facturation": day(0)}
    await expect(await client.post(url, json=body, headers=contact.headers), 403)
    for path in ("budget", "financials"):
        await get(client, contact, f"{org_url(org)}/projects/{theirs['id']}/{path}", 403)
    worker = await add_member(client, owner, org["id"], "CONSULTANT")
    await get(client, worker, url, 403)
    await get(client, worker, f"{url}/{mine['id']}", 403)


async def test_invoices_csv_is_rfc4180_and_defuses_formulas(client: Client) -> None:
    owner, org, project = await _org_project(client)
    await invoice(
        client,
        owner,
        org,
        project,
        montant="12.3",
        date_facturation="2026-01-05",
        numero='=HYPERLINK("x"), "quoted"',
        statut_paiement="PAYE",
    )
    resp = await client.get(
        f"{org_url(org)}/invoices.csv?statut_paiement=PAYE", headers=owner.headers
    )
    assert resp.status == 200
    assert resp.content_type == "text/csv"
    assert 'filename="invoices.csv"' in resp.headers["Content-Disposition"]
    raw = await resp.read()
    lines = raw.decode().split("\r\n")
    assert lines[0] == (
        "id,numero,projet_id,montant,date_facturation,date_echeance,statut_paiement,"
        "jours_de_retard,created_at"
    )
    assert lines[1].split(",")[1:2] == ['"\'=HYPERLINK(""x"")']
    assert ",12.30,2026-01-05,2026-02-04,PAYE,0," in lines[1]
    assert lines[2] == ""
    empty = await client.get(
        f"{org_url(org)}/invoices.csv?statut_paiement=RETARD", headers=owner.headers
    )
    assert (await empty.text()).count("\r\n") == 1


# Financials ---------------------------------------------------------------------------


async def test_amounts_are_exact_decimals_rounded_half_up_only_when_answered(
    client: Client,
) -> None:
    owner, org, project = await _org_project(client)
    # 100.20 a day, 1 h of an 8-hour day: 12.525 exactly, answered 12.53 (half-up; a
    # float or half-even rounding would give 12.52). Three such hours: 37.575 -> 37.58.
    worker = await consultant(client, owner, org, cost="100.20", sale="100.20")
    ids = [await log_time(client, owner, org, project, worker, "1", -i) for i in range(1, 4)]
    await decide(client, owner, org, ids[:1], "VALIDE")
    fin = await get(client, owner, f"{org_url(org)}/projects/{project['id']}/financials")
    assert fin["couts"]["cout_reel"] == "12.53"
    assert fin["couts"]["cout_en_attente"] == "25.05"
    await decide(client, owner, org, ids[1:], "VALIDE")
    fin = await get(client, owner, f"{org_url(org)}/projects/{project['id']}/financials")
    assert fin["couts"]["cout_reel"] == "37.58"


async def test_undefined_ratios_are_null_and_unrated_hours_are_counted_apart(
    client: Client,
) -> None:
    owner, org, project = await _org_project(client)
    someone = await add_member(client, owner, org["id"], "CONSULTANT")
    entry = await log_time(client, owner, org, project, someone, "3", -1)
    await decide(client, owner, org, [entry], "VALIDE")
    fin = await get(client, owner, f"{org_url(org)}/projects/{project['id']}/financials")
    assert fin["couts"]["heures_sans_taux"] == "3.00"
    assert fin["couts"]["cout_reel"] == "0.00"
    assert fin["facturation"]["vendu"] is None and fin["budget_consomme_pct"] is None
    ev = fin["valeur_acquise"]
    assert (ev["bac"], ev["pv"], ev["ev"], ev["cpi"], ev["spi"], ev["eac"]) == (None,) * 6
    assert ev["source_avancement"] == "aucune"
    assert fin["marges"]["marge_reelle_pct"] is None


async def test_progress_comes_from_task_workload_without_milestones(client: Client) -> None:
    from tests.server.rest.projectkit import make_task

    owner, org, project = await _org_project(client)
    await expect(await put_budget(client, owner, org, project, "0", "1000", "0"), 201)
    await make_task(client, owner, org, project, charge_estimee_jh="3", statut="DONE")
    await make_task(client, owner, org, project, charge_estimee_jh="1")
    fin = await get(client, owner, f"{org_url(org)}/projects/{project['id']}/financials")
    ev = fin["valeur_acquise"]
    # 3 of 4 estimated days done: 75 %; no cost yet, so CPI is undefined (null).
    assert (ev["source_avancement"], ev["avancement_reel_pct"], ev["ev"]) == (
        "taches",
        "75.00",
        "750.00",
    )
    assert ev["cpi"] is None and ev["ac"] == "0.00"
    # 10 of 20 planned days elapsed: PV 500, SPI = 750 / 500 = 1.5.
    assert (ev["pv"], ev["spi"]) == ("500.00", "1.5000")


async def test_hours_per_day_is_a_setting(make_app: Any, aiohttp_client: Any) -> None:
    client: TestClient[Any, Any] = await aiohttp_client(make_app(hours_per_day=Decimal("7")))
    owner, org, project = await _org_project(client)
    worker = await consultant(client, owner, org, cost="700", sale=None)
    entry = await log_time(client, owner, org, project, worker, "7", -1)
    await decide(client, owner, org, [entry], "VALIDE")
    fin = await get(client, owner, f"{org_url(org)}/projects/{project['id']}/financials")
    assert (fin["heures_par_jour"], fin["couts"]["cout_reel"]) == ("7", "700.00")


async def test_portfolio_summary_totals_active_projects_only(client: Client) -> None:
    ex = await worked_example(client)
    done = await make_project(client, ex.owner, ex.org, statut="TERMINE")
    await invoice(client, ex.owner, ex.org, done, montant="999", date_facturation=day(-1))
    second = await make_project(client, ex.owner, ex.org, date_debut=day(-1))
    await invoice(
        client,
        ex.owner,
        ex.org,
        second,
        montant="1000",
        date_facturation=day(-1),
        statut_paiement="PAYE",
    )
    summary = await get(client, ex.owner, f"{org_url(ex.org)}/finance/summary")
    assert summary["projets_actifs"] == 2
    assert summary["projets_sans_budget"] == 1
    assert summary["projets_en_derive"] == 1
    assert (summary["vendu"], summary["facture"], summary["paye"]) == (
        "20000.00",
        "15000.00",
        "9000.00",
    )
    assert (summary["en_retard"], summary["cout_reel"], summary["marge_reelle_pct"]) == (
        "4000.00",
        "6250.00",
        "50.00",
    )
    assert (summary["cpi"], summary["spi"]) == ("0.8000", "0.8000")


async def test_utilization_is_validated_hours_over_weekday_hours(client: Client) -> None:
    owner, org, project = await _org_project(client)
    busy = await consultant(client, owner, org, cost="1", sale="1")
    idle = await consultant(client, owner, org, cost="1", sale="1")
    entries = [await log_time(client, owner, org, project, busy, "8", -i) for i in range(1, 4)]
    await decide(client, owner, org, entries[:2], "VALIDE")
    start, end = day(-13), day(0)  # 14 days: always 10 weekdays
    url = f"{org_url(org)}/finance/utilization?from={start}&to={end}"
    page = await get(client, owner, url)
    assert (page["jours_ouvres"], page["heures_par_jour"]) == (10, "8")
    rows = {row["profile_id"]: row for row in page["items"]}
    assert rows[str(busy.id)]["heures_validees"] == "16.00"
    assert rows[str(busy.id)]["heures_en_attente"] == "8.00"
    # 16 h of 10 x 8 = 80 available hours.
    assert rows[str(busy.id)]["taux_utilisation_pct"] == "20.00"
    assert rows[str(idle.id)]["taux_utilisation_pct"] == "0.00"
    first = await get(client, owner, f"{url}&limit=1")
    assert len(first["items"]) == 1 and first["next_cursor"] is not None
    bad = await get(client, owner, f"{org_url(org)}/finance/utilization?from={end}&to={start}", 422)
    assert bad["code"] == "validation_error"
    assert locs(await get(client, owner, f"{org_url(org)}/finance/utilization", 422)) == {
        "query.from",
        "query.to",
    }
    await get(client, busy, url, 403)
