"""One organization with a member of every role and a row of every kind, built through the
HTTP API of a live server, for the schemathesis run (tests/server/rest/test_fuzz_openapi.py).

The fuzzer substitutes these rows' ids for the path parameters and `*_id` body fields it
generates, so requests reach real rows instead of stopping at a 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle
from typing import Any, TypeVar

from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server.rest.financekit import day
from tests.server.rest.projectkit import make_client, make_project, make_task, org_url

ROLES = ("OWNER", "ADMIN", "MANAGER", "CONSULTANT", "CLIENT")
T = TypeVar("T")


@dataclass
class World:
    org_id: str
    tokens: dict[str, str]
    # Collection segment of a path (`projects`, `tasks`, `members` ...) -> ids of real rows.
    ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Choices made in turn rather than drawn, so that hypothesis' own examples (and the
    # coverage phase, which allows no extra strategies) stay deterministic.
    _roles: Iterator[str | None] = field(default_factory=lambda: cycle([*ROLES, None]))
    _picks: int = 0

    def restart(self) -> None:
        """Turns and picks from the start, as in a world just built."""
        self._roles = cycle([*ROLES, None])
        self._picks = 0

    def add(self, collection: str, row: Any) -> None:
        self.ids[collection].append(str(row["id"] if isinstance(row, dict) else row))

    def next_role(self) -> str | None:
        """The role the next request is sent as (None: no token at all)."""
        return next(self._roles)

    def pick(self, options: list[T]) -> T:
        self._picks += 1
        return options[self._picks % len(options)]

    @property
    def every_id(self) -> list[str]:
        """Every real id, for body fields that name a row of some kind."""
        return sorted({i for ids in self.ids.values() for i in ids})


async def _post(client: Client, user: User, path: str, body: Any, status: int = 201) -> Any:
    return await expect(await client.post(path, json=body, headers=user.headers), status)


async def build_world(client: Client, database_url: str | None = None) -> World:
    owner = await register(client, database_url=database_url)
    org = await create_org(client, owner)
    base = org_url(org)
    users = {"OWNER": owner}
    for role in ROLES[1:]:
        users[role] = await add_member(client, owner, org["id"], role, database_url=database_url)
    world = World(str(org["id"]), {role: u.access_token for role, u in users.items()})
    world.add("orgs", org)
    for user in users.values():
        world.add("members", user.id)

    consultant = users["CONSULTANT"]
    profile = {"date_embauche": "2024-01-02", "taux_journalier_cout": "400"}
    resp = await client.put(
        f"{base}/consultants/{consultant.id}", json=profile, headers=owner.headers
    )
    await expect(resp, 201)
    world.add("consultants", consultant.id)

    customer = await make_client(client, owner, org, contact=users["CLIENT"])
    world.add("clients", customer)
    project = await make_project(client, owner, org, customer=customer, lead=users["MANAGER"])
    world.add("projects", project)
    world.add("channels", project)
    task = await make_task(client, owner, org, project)
    world.add("tasks", task)
    pid = project["id"]

    milestone = await _post(
        client,
        owner,
        f"{base}/milestones",
        {"name": "Jalon", "projet_id": pid, "start_date": day(-10), "due_date": day(20)},
    )
    world.add("milestones", milestone)
    world.add("dependencies", milestone)
    proj = f"{base}/projects/{pid}"
    world.add("deliverables", await _post(client, owner, f"{proj}/deliverables", {"nom": "Lot 1"}))
    incident = {"titre": "Panne", "severite": "ELEVEE"}
    world.add("incidents", await _post(client, owner, f"{proj}/incidents", incident))
    staffing = {"profile_id": str(consultant.id), "date_debut": day(-5)}
    world.add("assignments", await _post(client, owner, f"{proj}/assignments", staffing))
    world.add("assignments", consultant.id)
    budget = {"montant_total_vente": "10000", "cout_estime_total": "6000", "marge_cible_pct": "40"}
    await expect(await client.put(f"{proj}/budget", json=budget, headers=owner.headers), 201)
    invoice = {"projet_id": pid, "montant": "1200", "date_facturation": day(-3)}
    world.add("invoices", await _post(client, owner, f"{base}/invoices", invoice))
    competence = await _post(client, owner, f"{base}/competences", {"nom": "Python"})
    world.add("competences", competence)
    world.add("join-codes", await _post(client, owner, f"{base}/join-codes", {}))
    group = {"name": "Equipe", "member_ids": [str(consultant.id)]}
    created = await _post(client, owner, f"{base}/groups", group)
    world.add("groups", created)
    world.add("channels", created)
    world.add("channels", org)
    world.add("channels", consultant.id)
    entry = {"projet_id": pid, "date": day(-2), "heures_travaillees": "7.5"}
    world.add("time-entries", await _post(client, consultant, f"{base}/time-entries", entry))
    return world
