"""Health scores, the analytics job (drifts, recommendations, predictions), ingested
predictions, incidents, and the lock that lets one process run each round."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from redis.asyncio import Redis

from server.keys import SERVICES
from server.services.analytics.analytics_job import run_round
from server.services.analytics.health import colour_of
from server.services.job_lock import RedisRoundLock, RoundLock, TableRoundLock
from store.db import create_engine
from tests.conftest import TEST_REDIS_NAMESPACE
from tests.factories import (
    Client,
    add_member,
    create_org,
    expect,
    firm_today,
    read_activity,
    register,
)
from tests.server.rest.financekit import consultant, day, get, worked_example
from tests.server.rest.projectkit import locs, make_project, org_url


def _services(client: Client) -> Any:
    return client.app[SERVICES]


async def _project(client: Client) -> tuple[Any, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org)
    return owner, org, project


def test_colour_thresholds_are_70_and_40() -> None:
    cases = {"100": "VERT", "70": "VERT", "69.99": "ORANGE", "40": "ORANGE", "39.99": "ROUGE"}
    assert {score: colour_of(Decimal(score)).value for score in cases} == cases


async def test_health_without_budget_leaves_out_what_cannot_be_measured(client: Client) -> None:
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}/health"
    health = await expect(await client.post(url, headers=owner.headers), 201)
    # Nothing is overdue, late or open: 100 % of the 40 weight points that can be measured.
    assert (health["score_global"], health["couleur_risque"]) == ("100.00", "VERT")
    left_out = {f["code"] for f in health["facteurs"] if not f["evaluable"]}
    assert left_out == {"cpi", "spi", "marge"}
    assert "rapportée à leur poids total (40)" in health["raisonnement_ia"]
    assert health["raisonnement_ia"].count("facteur exclu") == 3


async def test_open_critical_incident_and_overdue_work_turn_health_red(client: Client) -> None:
    from tests.server.rest.projectkit import make_task

    owner, org, project = await _project(client)
    await make_task(client, owner, org, project, date_fin_cible=day(-1))
    url = f"{org_url(org)}/projects/{project['id']}"
    body = {"titre": "Production arrêtée", "severite": "CRITIQUE"}
    await expect(await client.post(f"{url}/incidents", json=body, headers=owner.headers), 201)
    health = await expect(await client.post(f"{url}/health", headers=owner.headers), 201)
    # Tasks 0 (1 of 1 overdue) x 10, milestones 1 x 10, invoices 1 x 10, incidents 0 x 10:
    # 20 of 40 = 50 -> ORANGE; a second critical changes nothing (already 0) ...
    assert (health["score_global"], health["couleur_risque"]) == ("50.00", "ORANGE")
    await make_task(client, owner, org, project, date_fin_cible=day(-2))
    from tests.server.rest.financekit import invoice

    await invoice(client, owner, org, project, montant="100", date_facturation=day(-31))
    # ... a late invoice (all of the invoiced amount) does: 10 of 40 = 25 -> ROUGE.
    health = await expect(await client.post(f"{url}/health", headers=owner.headers), 201)
    assert (health["score_global"], health["couleur_risque"]) == ("25.00", "ROUGE")


async def test_health_history_is_stored_newest_first(client: Client, database_url: str) -> None:
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}/health"
    first = await expect(await client.post(url, headers=owner.headers), 201)
    second = await expect(await client.post(url, headers=owner.headers), 201)
    page = await get(client, owner, f"{url}?limit=1")
    assert [h["id"] for h in page["items"]] == [second["id"]]
    rest = await get(client, owner, f"{url}?cursor={page['next_cursor']}")
    assert [h["id"] for h in rest["items"]] == [first["id"]]
    assert rest["items"][0]["facteurs"] is None
    assert rest["items"][0]["raisonnement_ia"] == first["raisonnement_ia"]
    logged = await read_activity(database_url, org["id"], resource_type="health_score")
    assert [e.action for e in logged] == ["HEALTH_COMPUTED", "HEALTH_COMPUTED"]


async def test_analytics_round_records_drifts_recommendations_and_predictions(
    client: Client,
) -> None:
    ex = await worked_example(client)
    report = await run_round(_services(client))
    assert (report.analysed, report.failed, report.drifts) == (1, 0, 3)
    drifts = {
        d["type_derive"]: d for d in (await get(client, ex.owner, f"{ex.url}/drifts"))["items"]
    }
    # CPI 0.8 and SPI 0.8: deviation 0.2 -> MOYENNE; 14.5 validated days for 5 estimated:
    # 14.5 / 5 - 1 = 1.9 -> CRITIQUE.
    assert {k: (d["severite"], d["ecart_pct"]) for k, d in drifts.items()} == {
        "COUT": ("MOYENNE", "-20.00"),
        "DELAI": ("MOYENNE", "-20.00"),
        "CHARGE": ("CRITIQUE", "190.00"),
    }
    recs = (await get(client, ex.owner, f"{ex.url}/recommendations"))["items"]
    assert {(r["derive_id"], r["priorite"], r["statut"]) for r in recs} == {
        (d["id"], d["severite"], "PROPOSEE") for d in drifts.values()
    }
    assert all(r["recommandations"]["actions"] for r in recs)
    predictions = (await get(client, ex.owner, f"{ex.url}/risk-predictions"))["items"]
    by_type = {p["type_risque"]: p for p in predictions}
    # BUDGET: (1 - 0.8) / 0.3 = 66.67 %, 15 validated entries: 15 / 25 = 0.6.
    # DELAI: max(SPI 66.67, 2 x 1 overdue / 6 tasks+milestones = 33.33), n = 6: 0.375.
    # RESSOURCES: nobody staffed: 0, n = 0. QUALITE: 2 points x 10 = 20, n = 2 incidents.
    assert {k: (p["probabilite_pct"], p["confidence"]) for k, p in by_type.items()} == {
        "BUDGET": ("66.67", "0.600"),
        "DELAI": ("66.67", "0.375"),
        "RESSOURCES": ("0.00", "0.000"),
        "QUALITE": ("20.00", "0.167"),
    }
    assert {p["modele_ia_utilise"] for p in predictions} == {"aurentia-rules-v1"}
    assert by_type["BUDGET"]["metriques_source"]["cpi"] == "0.8000"
    assert by_type["BUDGET"]["horizon_jours"] == 30
    history = (await get(client, ex.owner, f"{ex.url}/health"))["items"]
    assert [h["score_global"] for h in history] == ["56.79"]

    # The next round updates the open drifts rather than repeating them.
    await run_round(_services(client))
    assert len((await get(client, ex.owner, f"{ex.url}/drifts"))["items"]) == 3
    assert len((await get(client, ex.owner, f"{ex.url}/recommendations"))["items"]) == 3
    assert len((await get(client, ex.owner, f"{ex.url}/risk-predictions"))["items"]) == 8


async def test_a_drift_that_comes_back_within_threshold_is_resolved(client: Client) -> None:
    ex = await worked_example(client)
    await run_round(_services(client))
    milestones = await get(
        client, ex.owner, f"{org_url(ex.org)}/milestones?projet_id={ex.project['id']}"
    )
    pending = next(m for m in milestones["items"] if m["progress_percentage"] == 0)
    url = f"{org_url(ex.org)}/milestones/{pending['id']}"
    await expect(
        await client.patch(url, json={"progress_percentage": 100}, headers=ex.owner.headers), 200
    )
    # Now 100 % done: EV = 10000, CPI = 1.6 and SPI = 1.6: cost and schedule are back.
    await run_round(_services(client))
    open_ = await get(client, ex.owner, f"{ex.url}/drifts?resolue=false")
    assert [d["type_derive"] for d in open_["items"]] == ["CHARGE"]
    closed = await get(client, ex.owner, f"{ex.url}/drifts?resolue=true")
    assert {d["type_derive"] for d in closed["items"]} == {"COUT", "DELAI"}


async def test_predictions_past_their_horizon_are_checked_against_what_happened(
    client: Client,
) -> None:
    ex = await worked_example(client)
    url = f"{ex.url}/risk-predictions"
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()

    async def post(kind: str, horizon: int) -> Any:
        body = {
            "type_risque": kind,
            "probabilite_pct": 70,
            "confidence": "0.5",
            "horizon_jours": horizon,
            "workflow_execution_id": f"n8n-{kind}-{horizon}",
            "date_prediction": long_ago,
            "modele_ia_utilise": "n8n-gpt",
        }
        return await expect(await client.post(url, json=body, headers=ex.owner.headers), 201)

    budget, quality, later = (
        await post("BUDGET", 30),
        await post("QUALITE", 30),
        await post("BUDGET", 60),
    )
    await run_round(_services(client))
    found = {p["id"]: p for p in (await get(client, ex.owner, f"{url}?limit=200"))["items"]}
    # CPI is 0.8 < 1: the budget risk happened; no ELEVEE/CRITIQUE incident is open and
    # no deliverable rejected: the quality risk did not; the 60-day one is not due yet.
    assert found[budget["id"]]["realise"] is True
    assert found[quality["id"]]["realise"] is False
    assert found[budget["id"]]["date_evaluation"] is not None
    assert (found[later["id"]]["realise"], found[later["id"]]["date_evaluation"]) == (None, None)


async def test_external_prediction_is_ingested_once_per_execution_and_type(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}/risk-predictions"
    body = {
        "type_risque": "DELAI",
        "probabilite_pct": "42.5",
        "confidence": 0.8,
        "horizon_jours": 14,
        "workflow_execution_id": "exec-77",
        "metriques_source": {"retards": 3},
    }
    first = await expect(await client.post(url, json=body, headers=owner.headers), 201)
    again = await expect(await client.post(url, json=body, headers=owner.headers), 200)
    assert again["id"] == first["id"]
    assert (first["probabilite_pct"], first["confidence"]) == ("42.50", "0.800")
    other = await expect(
        await client.post(url, json={**body, "type_risque": "BUDGET"}, headers=owner.headers), 201
    )
    assert other["id"] != first["id"]
    assert len((await get(client, owner, f"{url}?type_risque=DELAI"))["items"]) == 1
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    bad = {
        **body,
        "probabilite_pct": 101,
        "confidence": 2,
        "horizon_jours": 0,
        "workflow_execution_id": "",
        "date_prediction": future,
    }
    problem = await expect(await client.post(url, json=bad, headers=owner.headers), 422)
    assert locs(problem) == {
        "body.probabilite_pct",
        "body.confidence",
        "body.horizon_jours",
        "body.workflow_execution_id",
    }
    body.update(workflow_execution_id="exec-78", date_prediction=future)
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert locs(problem) == {"body.date_prediction"}
    logged = await read_activity(database_url, org["id"], resource_type="risk_prediction")
    assert len(logged) == 2


async def test_resource_and_quality_risks_read_staffing_leave_and_deliverables(
    client: Client,
) -> None:
    owner, org, project = await _project(client)
    away = await consultant(client, owner, org, cost="1", sale="1", statut="ON_LEAVE")
    here = await consultant(client, owner, org, cost="1", sale="1")
    base = f"{org_url(org)}/projects/{project['id']}"
    for who in (away, here):
        body = {"profile_id": str(who.id), "date_debut": day(-5), "allocation_pct": 50}
        await expect(
            await client.post(f"{base}/assignments", json=body, headers=owner.headers), 201
        )
    body = {"nom": "Spécifications", "statut": "REJETE"}
    await expect(await client.post(f"{base}/deliverables", json=body, headers=owner.headers), 201)
    await run_round(_services(client))
    found = {
        p["type_risque"]: p for p in (await get(client, owner, f"{base}/risk-predictions"))["items"]
    }
    # One of the two staffed people is on leave: 50 %, n = 2: 2 / 12 = 0.167.
    assert (found["RESSOURCES"]["probabilite_pct"], found["RESSOURCES"]["confidence"]) == (
        "50.00",
        "0.167",
    )
    assert found["RESSOURCES"]["metriques_source"]["en_conge"] == 1
    # One rejected deliverable = 3 points: 30 %, n = 1 deliverable: 1 / 11 = 0.091.
    assert (found["QUALITE"]["probabilite_pct"], found["QUALITE"]["confidence"]) == (
        "30.00",
        "0.091",
    )


async def test_over_allocated_people_raise_the_resource_risk(
    client: Client, database_url: str
) -> None:
    from store.db import create_session_factory, unit_of_work
    from store.models import Affectation

    owner, org, project = await _project(client)
    other = await make_project(client, owner, org)
    busy = await consultant(client, owner, org, cost="1", sale="1")
    base = f"{org_url(org)}/projects/{project['id']}"
    body = {"profile_id": str(busy.id), "date_debut": day(-5), "allocation_pct": 60}
    await expect(await client.post(f"{base}/assignments", json=body, headers=owner.headers), 201)
    # 60 % more elsewhere, as data imported past the API's 100 % cap would be.
    engine = create_engine(database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            session.add(
                Affectation(
                    organization_id=uuid.UUID(org["id"]),
                    projet_id=uuid.UUID(other["id"]),
                    profile_id=busy.id,
                    date_debut=firm_today() - timedelta(days=5),
                    allocation_pct=60,
                )
            )
    finally:
        await engine.dispose()
    await run_round(_services(client))
    found = {
        p["type_risque"]: p for p in (await get(client, owner, f"{base}/risk-predictions"))["items"]
    }
    assert found["RESSOURCES"]["probabilite_pct"] == "100.00"
    assert found["RESSOURCES"]["metriques_source"]["sur_allouees"] == 1


async def test_recommendation_status_follows_its_workflow(
    client: Client, database_url: str
) -> None:
    ex = await worked_example(client)
    await run_round(_services(client))
    rec = (await get(client, ex.owner, f"{ex.url}/recommendations"))["items"][0]
    url = f"{ex.url}/recommendations/{rec['id']}"

    async def patch(statut: str, status: int) -> Any:
        resp = await client.patch(url, json={"statut": statut}, headers=ex.owner.headers)
        return await expect(resp, status)

    assert (await patch("ACCEPTEE", 200))["statut"] == "ACCEPTEE"
    assert (await patch("REALISEE", 200))["statut"] == "REALISEE"
    await patch("PROPOSEE", 409)
    await patch("NOPE", 422)
    accepted = await get(client, ex.owner, f"{ex.url}/recommendations?statut=REALISEE")
    assert [r["id"] for r in accepted["items"]] == [rec["id"]]
    missing = f"{ex.url}/recommendations/{uuid.uuid4()}"
    resp = await client.patch(missing, json={"statut": "ACCEPTEE"}, headers=ex.owner.headers)
    await expect(resp, 404)
    logged = await read_activity(database_url, ex.org["id"], resource_type="recommendation")
    assert len(logged) == 2


async def test_incident_resolution_date_follows_its_status(client: Client) -> None:
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}/incidents"
    made = await expect(
        await client.post(url, json={"titre": "Bug", "severite": "ELEVEE"}, headers=owner.headers),
        201,
    )
    assert (made["statut"], made["date_resolution"], made["reported_by"]) == (
        "OUVERT",
        None,
        str(owner.id),
    )
    item = f"{url}/{made['id']}"
    resolved = await expect(
        await client.patch(item, json={"statut": "RESOLU"}, headers=owner.headers), 200
    )
    assert resolved["date_resolution"] is not None
    reopened = await expect(
        await client.patch(item, json={"statut": "EN_COURS"}, headers=owner.headers), 200
    )
    assert reopened["date_resolution"] is None
    before = "2000-01-01T00:00:00+00:00"
    problem = await expect(
        await client.patch(
            item, json={"statut": "FERME", "date_resolution": before}, headers=owner.headers
        ),
        422,
    )
    assert locs(problem) == {"body.date_resolution"}
    problem = await expect(
        await client.patch(item, json={"severite": None, "titre": " "}, headers=owner.headers), 422
    )
    assert locs(problem) == {"body.severite", "body.titre"}
    assert [i["id"] for i in (await get(client, owner, f"{url}?severite=ELEVEE"))["items"]] == [
        made["id"]
    ]
    assert (await get(client, owner, f"{url}?statut=OUVERT"))["items"] == []
    await expect(await client.delete(item, headers=owner.headers), 204)
    await get(client, owner, item, 404)


async def test_staffed_consultants_report_incidents_and_clients_read_theirs(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    lead = await add_member(client, owner, org["id"], "CONSULTANT")
    project = await make_project(client, owner, org, contact=contact, lead=lead)
    url = f"{org_url(org)}/projects/{project['id']}/incidents"
    made = await expect(
        await client.post(url, json={"titre": "Bug", "severite": "FAIBLE"}, headers=lead.headers),
        201,
    )
    assert [i["id"] for i in (await get(client, contact, url))["items"]] == [made["id"]]
    await expect(
        await client.post(url, json={"titre": "x", "severite": "FAIBLE"}, headers=contact.headers),
        403,
    )
    await expect(await client.delete(f"{url}/{made['id']}", headers=lead.headers), 403)
    for path in ("health", "drifts", "recommendations", "risk-predictions"):
        await get(client, lead, f"{org_url(org)}/projects/{project['id']}/{path}", 403)


@asynccontextmanager
async def _two_processes(
    database_url: str, redis_url: str | None, kind: str
) -> AsyncIterator[list[RoundLock]]:
    """The round locks of `kind` that two server processes would use: each has its own
    Redis client or database engine."""
    name = f"test-{uuid.uuid4().hex}"
    if kind == "redis":
        assert redis_url is not None
        clients = [Redis.from_url(redis_url) for _ in range(2)]
        try:
            yield [RedisRoundLock(c, name, 60, TEST_REDIS_NAMESPACE) for c in clients]
        finally:
            for c in clients:
                await c.aclose()
    else:
        engines = [create_engine(database_url) for _ in range(2)]
        try:
            yield [TableRoundLock(e, name) for e in engines]
        finally:
            for e in engines:
                await e.dispose()


async def test_exactly_one_process_runs_each_round(
    database_url: str, redis_url: str | None
) -> None:
    """With Redis and with the table of claimed rounds (both engines): two processes
    waking for the same round run it once, a late one is kept out, the next round runs."""
    kinds = ["table", "redis"] if redis_url else ["table"]
    for kind in kinds:
        ran: list[int] = []
        round_no = int(datetime.now(UTC).timestamp())
        async with _two_processes(database_url, redis_url, kind) as locks:

            async def process(
                index: int, round_no: int, locks: list[RoundLock] = locks, ran: list[int] = ran
            ) -> None:
                async with locks[index].claim(round_no) as won:
                    if won:
                        ran.append(index)
                        await asyncio.sleep(0.1)

            await asyncio.gather(process(0, round_no), process(1, round_no))
            assert len(ran) == 1, kind
            await process(1 - ran[0], round_no)
            assert len(ran) == 1, kind
            ran.clear()
            await process(1, round_no + 1)
            assert ran == [1], kind


async def test_the_job_runs_by_itself_at_each_interval(make_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(analytics_job_interval_seconds=0.3))
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}/health"
    for _ in range(50):
        await asyncio.sleep(0.1)
        if len((await get(client, owner, url))["items"]) >= 2:
            break
    assert len((await get(client, owner, url))["items"]) >= 2


async def test_quality_risk_counts_open_incidents_by_severity_and_every_incident_as_evidence(
    client: Client,
) -> None:
    owner, org, project = await _project(client)
    url = f"{org_url(org)}/projects/{project['id']}"
    made = {}
    for titre, severite in (("Panne", "CRITIQUE"), ("Lenteur", "ELEVEE"), ("Coquille", "FAIBLE")):
        body = {"titre": titre, "severite": severite}
        made[severite] = await expect(
            await client.post(f"{url}/incidents", json=body, headers=owner.headers), 201
        )
    resolved = {"statut": "RESOLU"}
    item = f"{url}/incidents/{made['ELEVEE']['id']}"
    await expect(await client.patch(item, json=resolved, headers=owner.headers), 200)
    await run_round(_services(client))
    predictions = (await get(client, owner, f"{url}/risk-predictions"))["items"]
    (quality,) = [p for p in predictions if p["type_risque"] == "QUALITE"]
    # Open: CRITIQUE 8 + FAIBLE 1 points x 10; the resolved one is evidence all the same:
    # n = 3 incidents, confidence 3 / (3 + 10).
    assert quality["metriques_source"]["incidents_ouverts"] == {"CRITIQUE": 1, "FAIBLE": 1}
    assert (quality["probabilite_pct"], quality["confidence"]) == ("90.00", "0.231")
