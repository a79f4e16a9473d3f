"""Every list endpoint runs as many SQL statements for 50 items as for one (issue 19).

Table-driven: a row names the route and how to add items to what it lists; the test
asks the route after one item and after fifty and holds the two statement counts equal.
A new list endpoint gets a row here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocol.chat import ChannelRef, MessageRef, MessageSend
from protocol.enums import ChannelType
from server.actor import Actor
from server.keys import SERVICES, SESSIONS
from server.policy import enter_organization
from server.services.chat import messages, pins
from store import notifications as notification_store
from store.db import unit_of_work
from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server import statements
from tests.server.rest.projectkit import make_client, make_project, make_task, org_url

FEW, MANY = 1, int(__import__("os").environ.get("LISTQ_MANY", "50"))


@dataclass
class World:
    """One organization and its owner; rows add what their route lists."""

    client: Client
    owner: User
    org: Any
    project: Any
    people: list[User] = field(default_factory=list)
    made: list[Any] = field(default_factory=list)
    contact: User | None = None

    @property
    def url(self) -> str:
        return org_url(self.org)

    @property
    def project_url(self) -> str:
        return f"{self.url}/projects/{self.project['id']}"

    async def post(self, path: str, body: dict[str, Any], status: int = 201) -> Any:
        resp = await self.client.post(path, json=body, headers=self.owner.headers)
        return await expect(resp, status)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.owner.id, family_id=None, expires_at=datetime.now(UTC))

    async def person(self) -> User:
        """A new member of the organization (joined through a join code)."""
        code = getattr(self, "_code", None)
        if code is None:
            code = (await self.post(f"{self.url}/join-codes", {"role": "MEMBER"}))["code"]
            self._code = code
        user = await register(self.client)
        resp = await self.client.post("/api/v1/join", json={"code": code}, headers=user.headers)
        await expect(resp, 201)
        self.people.append(user)
        return user

    async def send(self, ref: ChannelRef, content: str, **fields: Any) -> Any:
        svc = self.client.app[SERVICES]
        req = MessageSend(channel=ref, content=content, client_msg_id=uuid.uuid4().hex, **fields)
        return await messages.send(svc, self.actor, req, None)

    @property
    def general(self) -> ChannelRef:
        return ChannelRef(type=ChannelType.PROJECT, id=uuid.UUID(self.project["channel_id"]))


Seed = Callable[[World, int], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    name: str
    path: Callable[[World], str]
    seed: Seed
    prepare: Seed | None = None  # once, before the first item
    # Who asks: the owner, or (True) a CLIENT member, contact of the projects seeded.
    as_client: bool = False


def _day(offset: int) -> str:
    return (date.today() - timedelta(days=400) + timedelta(days=offset)).isoformat()


# A whole ISO week three weeks back.
_MONDAY = date.today() - timedelta(days=date.today().weekday() + 21)
_WEEK = "{}-W{:02d}".format(*_MONDAY.isocalendar()[:2])
_PERIOD = f"from={_MONDAY - timedelta(days=30)}&to={_MONDAY + timedelta(days=30)}"


def _week_day(offset: int) -> str:
    return (_MONDAY + timedelta(days=offset)).isoformat()


async def _org_channels(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.url}/channels", {"name": f"c-{uuid.uuid4().hex[:8]}"})


async def _groups(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.url}/groups", {"name": f"g-{uuid.uuid4().hex[:8]}"})


async def _projects(w: World, n: int) -> None:
    for _ in range(n):
        await make_project(w.client, w.owner, w.org)


async def _contact_projects(w: World, n: int) -> None:
    """Projects whose client's contact is the CLIENT caller, each with a message."""
    assert w.contact is not None
    for i in range(n):
        project = await make_project(w.client, w.owner, w.org, contact=w.contact)
        ref = ChannelRef(type=ChannelType.PROJECT, id=uuid.UUID(project["channel_id"]))
        await w.send(ref, f"projet client {i}")


async def _direct(w: World, n: int) -> None:
    for _ in range(n):
        peer = await w.person()
        await w.send(
            ChannelRef(type=ChannelType.DIRECT, id=peer.id, organization_id=w.org["id"]), "salut"
        )


async def _clients(w: World, n: int) -> None:
    for _ in range(n):
        await make_client(w.client, w.owner, w.org)


async def _tasks(w: World, n: int) -> None:
    for i in range(n):
        statut = ("TODO", "IN_PROGRESS", "DONE")[i % 3]
        await make_task(w.client, w.owner, w.org, w.project, statut=statut)


async def _milestones(w: World, n: int) -> None:
    for _ in range(n):
        body = {
            "name": "Recette",
            "projet_id": w.project["id"],
            "start_date": "2026-03-02",
            "due_date": "2026-03-27",
        }
        w.made.append(await w.post(f"{w.url}/milestones", body))


async def _people(w: World, n: int) -> None:
    for _ in range(n):
        await w.person()


async def _orgs(w: World, n: int) -> None:
    for _ in range(n):
        await create_org(w.client, w.owner)


async def _time_entries(w: World, n: int) -> None:
    for i in range(n):
        body = {"projet_id": w.project["id"], "date": _day(i), "heures_travaillees": "2"}
        await w.post(f"{w.url}/time-entries", body)


async def _invoices(w: World, n: int) -> None:
    for i in range(n):
        body = {"projet_id": w.project["id"], "montant": "100", "date_facturation": _day(i)}
        await w.post(f"{w.url}/invoices", body)


async def _join_codes(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.url}/join-codes", {"role": "MEMBER"})


async def _invitations(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.url}/invitations", {"email": f"i-{uuid.uuid4().hex[:8]}@example.com"})


async def _competences(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.url}/competences", {"nom": f"Skill {uuid.uuid4().hex[:8]}"})


async def _consultants(w: World, n: int) -> None:
    for _ in range(n):
        user = await w.person()
        body = {"date_embauche": "2024-01-02", "taux_journalier_cout": "400"}
        resp = await w.client.put(
            f"{w.url}/consultants/{user.id}", json=body, headers=w.owner.headers
        )
        await expect(resp, 201)
        skill = w.made[0] if w.made else None
        if skill is not None:
            resp = await w.client.put(
                f"{w.url}/consultants/{user.id}/competences/{skill['id']}",
                json={"niveau": 3},
                headers=w.owner.headers,
            )
            await expect(resp, 201)


async def _week_entries(w: World, n: int) -> None:
    for i in range(n):
        body = {"projet_id": w.project["id"], "date": _week_day(i % 7), "heures_travaillees": "1"}
        await w.post(f"{w.url}/time-entries", body)


async def _notifications(w: World, n: int) -> None:
    async with unit_of_work(w.client.app[SESSIONS]) as session:
        await enter_organization(session, uuid.UUID(w.org["id"]))
        for i in range(n):
            await notification_store.add_notification(
                session,
                org_id=uuid.UUID(w.org["id"]),
                user_id=w.owner.id,
                type="INFO",
                title=f"Notification {i}",
            )


async def _predictions(w: World, n: int) -> None:
    for _ in range(n):
        body = {
            "type_risque": "DELAI",
            "probabilite_pct": "40",
            "confidence": "0.5",
            "horizon_jours": 30,
            "workflow_execution_id": uuid.uuid4().hex,
        }
        await w.post(f"{w.project_url}/risk-predictions", body)


async def _a_group(w: World, n: int) -> None:
    w.made.append(await w.post(f"{w.url}/groups", {"name": "Équipe"}))


async def _group_members(w: World, n: int) -> None:
    for _ in range(n):
        user = await w.person()
        await w.post(f"{w.url}/groups/{w.made[0]['id']}/members", {"user_id": str(user.id)})


async def _a_skill(w: World, n: int) -> None:
    w.made.append(await w.post(f"{w.url}/competences", {"nom": "Python"}))


async def _deliverables(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.project_url}/deliverables", {"nom": f"L {uuid.uuid4().hex[:6]}"})


async def _assignments(w: World, n: int) -> None:
    for _ in range(n):
        user = await w.person()
        body = {"profile_id": str(user.id), "date_debut": "2026-01-05"}
        await w.post(f"{w.project_url}/assignments", body)


async def _a_milestone(w: World, n: int) -> None:
    await _milestones(w, 1)


async def _milestone_assignments(w: World, n: int) -> None:
    for _ in range(n):
        user = await w.person()
        await w.post(
            f"{w.url}/milestones/{w.made[0]['id']}/assignments", {"profile_id": str(user.id)}
        )


async def _incidents(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.project_url}/incidents", {"titre": "Panne", "severite": "MOYENNE"})


async def _activity(w: World, n: int) -> None:
    await _clients(w, n)


async def _health(w: World, n: int) -> None:
    for _ in range(n):
        await w.post(f"{w.project_url}/health", {})


async def _messages(w: World, n: int) -> None:
    for i in range(n):
        w.made.append(await w.send(w.general, f"message {i} du projet"))


async def _pins(w: World, n: int) -> None:
    svc = w.client.app[SERVICES]
    for i in range(n):
        sent = await w.send(w.general, f"épinglé {i}")
        await pins.set_pin(svc, w.actor, MessageRef(message_id=sent.id), True)


async def _a_root(w: World, n: int) -> None:
    w.made.append(await w.send(w.general, "racine"))


async def _replies(w: World, n: int) -> None:
    for i in range(n):
        await w.send(w.general, f"réponse {i}", parent_id=w.made[0].id)


CASES = [
    Case("org channels", lambda w: f"{w.url}/channels", _org_channels),
    Case("group channels", lambda w: f"{w.url}/channels", _groups),
    Case("project channels", lambda w: f"{w.url}/channels", _projects),
    Case(
        "project channels, client", lambda w: f"{w.url}/channels", _contact_projects, as_client=True
    ),
    Case(
        "message search, client",
        lambda w: f"{w.url}/messages/search?q=projet&limit=100",
        _contact_projects,
        as_client=True,
    ),
    Case("direct channels", lambda w: f"{w.url}/channels", _direct),
    Case("clients", lambda w: f"{w.url}/clients?limit=100", _clients),
    Case("projects", lambda w: f"{w.url}/projects?limit=100", _projects),
    Case("tasks", lambda w: f"{w.project_url}/tasks?limit=100", _tasks),
    Case("board", lambda w: f"{w.project_url}/board", _tasks),
    Case("milestones", lambda w: f"{w.url}/milestones?limit=100", _milestones),
    Case("members", lambda w: f"{w.url}/members?limit=100", _people),
    Case("orgs", lambda w: "/api/v1/orgs?limit=100", _orgs),
    Case("time entries", lambda w: f"{w.url}/time-entries?limit=100", _time_entries),
    Case("invoices", lambda w: f"{w.url}/invoices?limit=100", _invoices),
    Case("join codes", lambda w: f"{w.url}/join-codes?limit=100", _join_codes),
    Case("invitations", lambda w: f"{w.url}/invitations?limit=100", _invitations),
    Case("competences", lambda w: f"{w.url}/competences?limit=100", _competences),
    Case(
        "consultants",
        lambda w: f"{w.url}/consultants?limit=100",
        _consultants,
        prepare=_a_skill,
    ),
    Case("deliverables", lambda w: f"{w.project_url}/deliverables?limit=100", _deliverables),
    Case("assignments", lambda w: f"{w.project_url}/assignments?limit=100", _assignments),
    Case(
        "milestone assignments",
        lambda w: f"{w.url}/milestones/{w.made[0]['id']}/assignments?limit=100",
        _milestone_assignments,
        prepare=_a_milestone,
    ),
    Case("incidents", lambda w: f"{w.project_url}/incidents?limit=100", _incidents),
    Case("activity", lambda w: f"{w.url}/activity?limit=100", _activity),
    Case("health", lambda w: f"{w.project_url}/health?limit=100", _health),
    Case(
        "staffing",
        lambda w: f"{w.url}/staffing?limit=100&competence_id={w.made[0]['id']}&{_PERIOD}",
        _consultants,
        prepare=_a_skill,
    ),
    Case(
        "utilization",
        lambda w: f"{w.url}/finance/utilization?limit=100&{_PERIOD}",
        _consultants,
    ),
    Case("timesheets", lambda w: f"{w.url}/timesheets?week={_WEEK}", _week_entries),
    Case(
        "history",
        lambda w: f"{w.url}/channels/project/{w.project['channel_id']}/messages?limit=100",
        _messages,
    ),
    Case(
        "pins",
        lambda w: f"{w.url}/channels/project/{w.project['channel_id']}/pins",
        _pins,
    ),
    Case(
        "thread",
        lambda w: f"{w.url}/messages/{w.made[0].id}/thread?limit=100",
        _replies,
        prepare=_a_root,
    ),
    Case("message search", lambda w: f"{w.url}/messages/search?q=projet&limit=100", _messages),
    Case("search", lambda w: f"{w.url}/search?q=projet&limit=100", _messages),
    Case("risk predictions", lambda w: f"{w.project_url}/risk-predictions?limit=100", _predictions),
    Case("group members", lambda w: f"{w.url}/groups/{w.made[0]['id']}", _group_members, _a_group),
    Case("portfolio summary", lambda w: f"{w.url}/finance/summary", _projects),
    Case("projects.csv", lambda w: f"{w.url}/projects.csv", _projects),
    Case("tasks.csv", lambda w: f"{w.url}/projects/{w.project['id']}/tasks.csv", _tasks),
    Case("activity.csv", lambda w: f"{w.url}/activity.csv", _activity),
    Case("invoices.csv", lambda w: f"{w.url}/invoices.csv", _invoices),
    Case("time-entries.csv", lambda w: f"{w.url}/time-entries.csv", _time_entries),
    Case("notifications", lambda w: "/api/v1/notifications?limit=100", _notifications),
]


@pytest.fixture
async def counted(
    make_app: Callable[..., web.Application],
    aiohttp_client: Callable[
        [web.Application], Awaitable[TestClient[web.Request, web.Application]]
    ],
) -> Client:
    # The session check every time: whether it was remembered (server/auth/signed_in.py)
    # depends on how long the seeding took, not on the list.
    app = make_app(auth_cache_seconds=0)
    statements.install(app)
    return await aiohttp_client(app)


async def _count(w: World, path: str) -> int:
    found = statements.statements(w.client.app)
    found.clear()
    caller = w.contact or w.owner
    headers = {**caller.headers, statements.COUNT_HEADER: "1"}
    body = await expect(await w.client.get(path, headers=headers), 200)
    assert body, path
    count = len(found)
    found.clear()
    return count


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_a_list_runs_as_many_statements_for_fifty_items_as_for_one(
    counted: Client, case: Case
) -> None:
    owner = await register(counted)
    org = await create_org(counted, owner)
    project = await make_project(counted, owner, org)
    w = World(counted, owner, org, project)
    if case.as_client:
        w.contact = await add_member(counted, owner, org["id"], "CLIENT")
    if case.prepare is not None:
        await case.prepare(w, 1)
    await case.seed(w, FEW)
    few = await _count(w, case.path(w))
    await case.seed(w, MANY - FEW)
    many = await _count(w, case.path(w))
    assert few > 0
    assert many == few, f"{case.name}: {few} statements for {FEW} item(s), {many} for {MANY}"
