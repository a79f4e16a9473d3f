"""`aurentia demo`: a sample organization across every area, seen through the REST API
by the logins it prints; a second run changes nothing."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from protocol.enums import MemberRole
from server import cli
from server.cli import main
from server.demo import DemoError, run_demo
from server.demo import projects as demo_projects
from server.settings import Settings
from store import migrate
from tests.factories import Client, User, create_org, expect, firm_today, register
from tests.server.demokit import get, printed_logins, row_counts, run_cli, sign_in

SLUG = "cap-horizon-conseil"


def _today() -> str:
    return firm_today().isoformat()


async def _first_run(settings: Settings) -> str:
    out = io.StringIO()
    assert await run_demo(settings, out) is True
    return out.getvalue()


async def _projects_by_name(client: Client, owner: User, org: str) -> dict[str, dict[str, Any]]:
    page = await get(client, owner, f"/api/v1/orgs/{org}/projects", limit=200)
    return {p["nom"]: p for p in page["items"]}


async def _check_people(client: Client, owner: User, org: str) -> None:
    members = await get(client, owner, f"/api/v1/orgs/{org}/members", limit=200)
    assert {m["role"] for m in members["items"]} == {r.value for r in MemberRole}
    consultants = (await get(client, owner, f"/api/v1/orgs/{org}/consultants"))["items"]
    assert len(consultants) >= 9
    assert all(c["taux_journalier_cout"] and c["competences"] for c in consultants)
    assert {c["statut"] for c in consultants} >= {"ON_MISSION", "ON_LEAVE"}
    skills = (await get(client, owner, f"/api/v1/orgs/{org}/competences"))["items"]
    aws = next(s["id"] for s in skills if s["nom"] == "AWS")
    window = {"from": _today(), "to": _today()}
    found = await get(
        client, owner, f"/api/v1/orgs/{org}/staffing", competence_id=aws, min_niveau=2, **window
    )
    levels = [c["niveau"] for c in found["items"]]
    assert len(levels) >= 3 and levels == sorted(levels, reverse=True)


async def _check_boards(client: Client, owner: User, org: str, project: dict[str, Any]) -> None:
    url = f"/api/v1/orgs/{org}/projects/{project['id']}"
    board = await get(client, owner, url + "/board")
    for column in board["columns"]:
        assert column["tasks"], f"{project['nom']}: empty column {column['statut']}"
        assert all(t["profile_responsable_id"] for t in column["tasks"])
    assert (await get(client, owner, url + "/assignments"))["items"]
    assert (await get(client, owner, url + "/deliverables"))["items"]
    assert (await get(client, owner, url + "/budget"))["montant_total_vente"]
    health = (await get(client, owner, url + "/health"))["items"]
    assert health and health[0]["score_global"] and health[0]["raisonnement_ia"]
    predictions = (await get(client, owner, url + "/risk-predictions"))["items"]
    assert {p["type_risque"] for p in predictions} >= {"BUDGET", "DELAI", "RESSOURCES", "QUALITE"}


async def test_demo_fills_every_area_and_its_printed_logins_work(
    client: Client, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    output = await _first_run(settings)
    logins, password = printed_logins(output)
    assert password == "aurentia-demo"
    assert len(logins) == 12 and {x.role for x in logins} == {r.value for r in MemberRole}
    assert "/docs" in output
    users = {x.email.split("@")[0]: await sign_in(client, x.email, password) for x in logins}
    owner = users["sophie.lefevre"]
    me = await get(client, owner, "/api/v1/me")
    [org] = [o["id"] for o in me["organizations"] if o["slug"] == SLUG]
    base = f"/api/v1/orgs/{org}"

    await _check_people(client, owner, org)
    assert len((await get(client, owner, base + "/clients"))["items"]) == 3
    projects = await _projects_by_name(client, owner, org)
    assert {p["statut"] for p in projects.values()} == {"ACTIF", "TERMINE", "SUSPENDU"}
    for project in projects.values():
        if project["statut"] == "ACTIF":
            await _check_boards(client, owner, org, project)

    milestones = (await get(client, owner, base + "/milestones", limit=200))["items"]
    assert any(m["status"] == "completed" for m in milestones)
    assert any(m["due_date"] < _today() and m["status"] != "completed" for m in milestones)

    entries = base + "/time-entries"
    for statut in ("VALIDE", "EN_ATTENTE"):
        assert (await get(client, owner, entries, validation_statut=statut))["items"]
    [rejected] = (await get(client, owner, entries, validation_statut="REJETE"))["items"]
    assert rejected["motif_rejet"]

    invoices = (await get(client, owner, base + "/invoices", limit=200))["items"]
    assert {i["statut_paiement"] for i in invoices} == {"PAYE", "EN_ATTENTE", "RETARD"}
    summary = await get(client, owner, base + "/finance/summary")
    assert summary["projets_actifs"] == 3 and summary["projets_en_derive"] >= 1
    assert summary["cout_reel"] != "0.00" and summary["en_retard"] != "0.00"

    drifting = f"{base}/projects/{projects['Migration cloud AWS']['id']}"
    assert (await get(client, owner, drifting + "/drifts"))["items"]
    recommendations = (await get(client, owner, drifting + "/recommendations"))["items"]
    assert any(r["statut"] == "ACCEPTEE" for r in recommendations)
    predictions = (await get(client, owner, drifting + "/risk-predictions"))["items"]
    external = [p for p in predictions if p["workflow_execution_id"]]
    assert external and external[0]["realise"] is not None and external[0]["date_evaluation"]
    assert (await get(client, owner, drifting + "/incidents"))["items"]

    await _check_chat(client, users, org)
    for resource, action in (
        ("task", "TASK_MOVED"),
        ("time_entry", "TIME_ENTRY_REJECTED"),
        ("invoice", "INVOICE_UPDATED"),
        ("member", "ROLE_CHANGED"),
    ):
        logged = await get(client, owner, base + "/activity", resource_type=resource, limit=200)
        assert action in {a["action"] for a in logged["items"]}
    await _check_client_contact(client, users["antoine.lambert"], org, projects)

    # A second run, as an operator would type it, finds the sample and changes nothing.
    before = await row_counts(database_url)
    code, again, err = await run_cli("demo", database_url=database_url, cwd=tmp_path)
    assert code == 0, err
    assert "already exists" in again
    assert printed_logins(again) == (logins, password)
    assert await row_counts(database_url) == before


async def _check_chat(client: Client, users: dict[str, User], org: str) -> None:
    chloe = users["chloe.fontaine"]
    channels = (await get(client, chloe, f"/api/v1/orgs/{org}/channels"))["items"]
    kinds = {c["channel"]["type"] for c in channels}
    assert kinds == {"organization", "project", "group"}

    async def history(user: User, kind: str, channel_id: str) -> list[dict[str, Any]]:
        url = f"/api/v1/orgs/{org}/channels/{kind}/{channel_id}/messages"
        return list((await get(client, user, url))["messages"])

    for state in channels:
        channel = state["channel"]
        if state["last_seq"] == 0:
            continue
        messages = await history(chloe, channel["type"], channel["id"])
        assert any(m["reactions"] for m in messages), channel["name"]
        assert any(m["parent_id"] for m in messages), channel["name"]
    thomas, maxime = users["thomas.bernard"], users["maxime.dubois"]
    direct = await history(thomas, "direct", str(maxime.id))
    assert len(direct) == 2 and any(m["reactions"] for m in direct)
    notes = await get(client, chloe, "/api/v1/notifications")
    assert "MENTION" in {n["type"] for n in notes["items"]}
    notes = await get(client, users["nicolas.faure"], "/api/v1/notifications", limit=200)
    assert {"TIME_VALIDATED", "TIME_REJECTED"} <= {n["type"] for n in notes["items"]}


async def _check_client_contact(
    client: Client, contact: User, org: str, projects: dict[str, dict[str, Any]]
) -> None:
    """The CLIENT login reads its bank's projects and their invoices, never a cost."""
    base = f"/api/v1/orgs/{org}"
    theirs = {p["id"] for p in (await get(client, contact, base + "/projects"))["items"]}
    bank_projects = {"Refonte de l'espace client", "Audit de sécurité du SI"}
    bank = {p["id"] for p in projects.values() if p["nom"] in bank_projects}
    assert theirs == bank
    invoices = (await get(client, contact, base + "/invoices", limit=200))["items"]
    assert invoices and {i["projet_id"] for i in invoices} <= bank
    some = next(iter(bank))
    await get(client, contact, f"{base}/projects/{some}/financials", status=403)
    await get(client, contact, base + "/consultants", status=403)


async def test_demo_refuses_a_slug_used_by_another_organization(
    client: Client, settings: Settings, database_url: str
) -> None:
    owner = await register(client)
    await create_org(client, owner, "Autre cabinet", slug="autre-cabinet")
    before = await row_counts(database_url)
    with pytest.raises(DemoError, match="not a demo sample"):
        await run_demo(settings, io.StringIO(), slug="autre-cabinet")
    assert await row_counts(database_url) == before
    resp = await client.get("/api/v1/orgs", headers=owner.headers)
    assert [o["slug"] for o in (await expect(resp, 200))["items"]] == ["autre-cabinet"]


async def test_a_failed_run_keeps_only_the_accounts_and_a_rerun_signs_them_in_again(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(demo: Any) -> None:
        raise RuntimeError("disque plein")

    monkeypatch.setattr(demo_projects, "populate", broken)
    with pytest.raises(DemoError, match="disque plein"):
        await run_demo(settings, io.StringIO())
    after_failure = await row_counts(database_url)
    assert after_failure["organizations"] == 0 and after_failure["projet"] == 0
    assert after_failure["users"] == 12
    # The accounts are reused with their password (the run gets as far as before) ...
    with pytest.raises(DemoError, match="disque plein"):
        await run_demo(settings, io.StringIO())
    assert (await row_counts(database_url))["users"] == 12
    # ... and refused with another one, before anything is created.
    with pytest.raises(DemoError, match="already exists with another password"):
        await run_demo(settings, io.StringIO(), password="un-autre-mot-de-passe")
    assert (await row_counts(database_url))["organizations"] == 0


async def _cli(*args: str) -> None:
    """`aurentia ARGS` in this process (its own event loop, in a thread)."""
    await asyncio.to_thread(main, list(args))


async def test_demo_command_refuses_bad_options_before_touching_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'never.db'}")
    for args, message in (
        (("--slug", "Pas Un Slug"), "--slug must be"),
        (("--org-name", " "), "--org-name must be"),
        (("--password", "court"), "--password must be"),
        (("--password", "aaaaaaaaaaaa"), "--password must be"),
    ):
        with pytest.raises(SystemExit) as exited:
            await _cli("demo", *args)
        assert exited.value.code == 2
        assert capsys.readouterr().err.startswith(f"aurentia: {message}")
    assert not (tmp_path / "never.db").exists()


async def test_demo_command_migrates_the_database_before_filling_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    revisions = []

    async def filling(settings: Settings, out: Any, **options: Any) -> bool:
        revisions.append(await migrate.current(settings.database_url))
        return True

    monkeypatch.setattr(cli, "run_demo", filling)
    with pytest.raises(SystemExit) as exited:
        await _cli("demo", "--no-migrate")
    assert exited.value.code == 1
    assert "run aurentia db upgrade first" in capsys.readouterr().err
    await _cli("demo")
    assert revisions == [migrate.head()]
