"""Who may call which organization-scoped route: one table, every role.

Each `Row` names a route (path placeholders in braces), an optional body, and the status
every caller must get. The callers are one member per role of a single organization, an
outsider (the OWNER of another organization: every org-scoped route must answer 404,
never 403, so existence does not leak) and an anonymous client (401).

To cover a new route, append a `Row` to `ROWS`. A placeholder is resolved by the function
of the same name in `TARGETS`, afresh for every caller, so a row that deletes or changes
its target never disturbs the next caller; add a target function when a route needs a
new kind of resource. Callers expected to fail run first, so a row whose success is
destructive (deleting the organization) cannot affect them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from server.policy import require_task_editor
from server.rest.analytics import INCIDENTS, RECOMMENDATIONS
from server.rest.delivery import DELIVERABLES, STAFFING
from server.rest.finance import INVOICE_ROUTES
from server.rest.milestones import MILESTONES
from server.rest.people import COMPETENCES, CONSULTANT_ROUTES
from server.rest.projects import CLIENTS, PROJECTS
from server.rest.resource import Rest
from server.services.resource import ProjectResource, require_manager
from tests.conftest import empty_database
from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server.rest.projectkit import make_project, make_task
from tests.sharedworld import SharedWorld

ROLES = ("OWNER", "ADMIN", "MANAGER", "CONSULTANT", "MEMBER", "CLIENT")
CALLERS = (*ROLES, "outsider", "anonymous")


@dataclass
class World:
    """One organization with a member per role, plus the outsider."""

    client: Client
    org_id: str
    users: dict[str, User]

    @property
    def owner(self) -> User:
        return self.users["OWNER"]


@dataclass
class Call:
    """What a body factory sees: the world, who calls, and the ids put in the path."""

    world: World
    caller: str
    ids: dict[str, str] = field(default_factory=dict)


Target = Callable[[World, str], Awaitable[str]]


async def _org(world: World, caller: str) -> str:
    return world.org_id


async def _member(world: World, caller: str) -> str:
    """A fresh MEMBER of the organization."""
    return str((await add_member(world.client, world.owner, world.org_id, "MEMBER")).id)


async def _co_owner(world: World, caller: str) -> str:
    """A fresh second OWNER of the organization."""
    return str((await add_member(world.client, world.owner, world.org_id, "OWNER")).id)


async def _self(world: World, caller: str) -> str:
    """The caller's own user id (a random one for the anonymous caller)."""
    user = world.users.get(caller)
    return str(user.id) if user is not None else str(uuid.uuid4())


async def _code(world: World, caller: str) -> str:
    """A fresh join code of the organization."""
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/join-codes", json={}, headers=world.owner.headers
    )
    return str((await expect(resp, 201))["id"])


async def _invitation(world: World, caller: str, role: str = "MEMBER") -> str:
    """A fresh pending invitation of the organization."""
    body = {"email": f"invitee-{uuid.uuid4().hex[:10]}@example.com", "role": role}
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/invitations", json=body, headers=world.owner.headers
    )
    return str((await expect(resp, 201))["id"])


async def _owner_invitation(world: World, caller: str) -> str:
    """A fresh pending invitation to become an OWNER (only owners manage it)."""
    return await _invitation(world, caller, "OWNER")


async def _new_project(world: World, lead: User | None = None) -> Any:
    contact = world.users["CLIENT"]
    return await make_project(world.client, world.owner, world.org_id, contact=contact, lead=lead)


async def _client_project(world: World, caller: str) -> str:
    """A fresh project of the CLIENT member's client, led by nobody."""
    return str((await _new_project(world))["id"])


def _lead(world: World, caller: str) -> User | None:
    """The caller when they are a member of the organization (they may lead its projects)."""
    return world.users.get(caller) if caller in ROLES else None


async def _other_client_project(world: World, caller: str) -> str:
    """A fresh project of a client without contact: the CLIENT member does not read it."""
    return str((await make_project(world.client, world.owner, world.org_id))["id"])


async def _led_project(world: World, caller: str) -> str:
    """A fresh project of the CLIENT member's client, led by the caller."""
    return str((await _new_project(world, _lead(world, caller)))["id"])


async def _task(world: World, caller: str) -> str:
    """A fresh task of a fresh `_client_project`."""
    task = await make_task(world.client, world.owner, world.org_id, await _new_project(world))
    return str(task["id"])


async def _led_task(world: World, caller: str) -> str:
    """A fresh task of a project the caller leads."""
    project = await _new_project(world, _lead(world, caller))
    return str((await make_task(world.client, world.owner, world.org_id, project))["id"])


async def _owner_post(world: World, path: str, body: Any) -> Any:
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}{path}", json=body, headers=world.owner.headers
    )
    return await expect(resp, 201)


async def _milestone(world: World, caller: str) -> str:
    """A fresh organization-level milestone."""
    body = {"name": "Jalon", "start_date": "2026-03-02", "due_date": "2026-03-27"}
    return str((await _owner_post(world, "/milestones", body))["id"])


async def _project_milestone(world: World, caller: str) -> str:
    """A fresh milestone of a fresh `_client_project` (read by the CLIENT member, its contact)."""
    body = {
        "name": "Jalon",
        "start_date": "2026-03-02",
        "due_date": "2026-03-27",
        "projet_id": await _client_project(world, caller),
    }
    return str((await _owner_post(world, "/milestones", body))["id"])


async def _milestone_task(world: World, caller: str) -> str:
    """`{milestone}/tasks/{task}`: a fresh milestone and a task it is not linked to."""
    return f"{await _milestone(world, caller)}/tasks/{await _task(world, caller)}"


async def _linked_task(world: World, caller: str) -> str:
    """`{milestone}/tasks/{task}` with the task linked."""
    path = await _milestone_task(world, caller)
    resp = await world.client.put(
        f"/api/v1/orgs/{world.org_id}/milestones/{path}", headers=world.owner.headers
    )
    await expect(resp, 200)
    return path


async def _milestone_pair(world: World, caller: str) -> str:
    """`{milestone}/dependencies/{other}`: two fresh milestones, not yet dependent."""
    return f"{await _milestone(world, caller)}/dependencies/{await _milestone(world, caller)}"


async def _dependency(world: World, caller: str) -> str:
    """`{milestone}/dependencies/{other}` with the dependency in place."""
    path = await _milestone_pair(world, caller)
    resp = await world.client.put(
        f"/api/v1/orgs/{world.org_id}/milestones/{path}", headers=world.owner.headers
    )
    await expect(resp, 200)
    return path


async def _assignee(world: World, caller: str) -> str:
    """`{milestone}/assignments/{profile}`: the owner assigned to a fresh milestone."""
    milestone = await _milestone(world, caller)
    await _owner_post(
        world, f"/milestones/{milestone}/assignments", {"profile_id": str(world.owner.id)}
    )
    return f"{milestone}/assignments/{world.owner.id}"


def _staff_body(world: World) -> dict[str, Any]:
    """The owner at 1%: every success adds 1%, far from the 100% cap."""
    return {"profile_id": str(world.owner.id), "date_debut": "2026-01-05", "allocation_pct": 1}


# People and time ------------------------------------------------------------------------

PAST_DAY = "2026-01-05"


async def _consultant(world: World, caller: str) -> str:
    """A fresh member given consultant details."""
    member = await _member(world, caller)
    resp = await world.client.put(
        f"/api/v1/orgs/{world.org_id}/consultants/{member}",
        json={"date_embauche": "2025-01-06", "taux_journalier_cout": 400},
        headers=world.owner.headers,
    )
    await expect(resp, 201)
    return member


async def _skill_pair(world: World, caller: str) -> str:
    """`{profile}/competences/{competence}`: the CONSULTANT member and a fresh skill."""
    competence = await TARGETS["competence"](world, caller)
    return f"{world.users['CONSULTANT'].id}/competences/{competence}"


async def _skill(world: World, caller: str) -> str:
    """`{profile}/competences/{competence}` with the level set."""
    path = await _skill_pair(world, caller)
    resp = await world.client.put(
        f"/api/v1/orgs/{world.org_id}/consultants/{path}",
        json={"niveau": 3},
        headers=world.owner.headers,
    )
    await expect(resp, 201)
    return path


async def _entry_of(world: World, profile: User) -> str:
    """A fresh pending entry of `profile` (logged by the owner) on a fresh project."""
    body = {
        "projet_id": await _client_project(world, "OWNER"),
        "date": PAST_DAY,
        "heures_travaillees": 0.5,
        "profile_id": str(profile.id),
    }
    return str((await _owner_post(world, "/time-entries", body))["id"])


async def _own_entry(world: World, caller: str) -> str:
    """A pending entry of the caller (of the owner for callers who log no time here)."""
    user = world.users.get(caller) if caller in ROLES and caller != "CLIENT" else None
    return await _entry_of(world, user or world.owner)


async def _others_entry(world: World, caller: str) -> str:
    """A pending entry of a consultant other than the caller."""
    other = "MEMBER" if caller == "CONSULTANT" else "CONSULTANT"
    return await _entry_of(world, world.users[other])


async def _validated_entry(world: World, caller: str) -> str:
    """A validated entry of the CONSULTANT member."""
    entry = await _entry_of(world, world.users["CONSULTANT"])
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/time-entries/validate",
        json={"ids": [entry], "decision": "VALIDE"},
        headers=world.owner.headers,
    )
    await expect(resp, 200)
    return entry


async def _budgeted_project(world: World, caller: str) -> str:
    """A fresh `_client_project` with a budget."""
    project = await _client_project(world, caller)
    body = {"montant_total_vente": "100", "cout_estime_total": "50", "marge_cible_pct": "10"}
    resp = await world.client.put(
        f"/api/v1/orgs/{world.org_id}/projects/{project}/budget",
        json=body,
        headers=world.owner.headers,
    )
    await expect(resp, 201)
    return project


async def _invoice_of(world: World, project: str) -> str:
    body = {"projet_id": project, "montant": "10", "date_facturation": PAST_DAY}
    return str((await _owner_post(world, "/invoices", body))["id"])


async def _invoice(world: World, caller: str) -> str:
    """An invoice of a fresh `_client_project` (the CLIENT member's)."""
    return await _invoice_of(world, await _client_project(world, caller))


async def _other_invoice(world: World, caller: str) -> str:
    """An invoice of a project the CLIENT member does not read."""
    return await _invoice_of(world, await _other_client_project(world, caller))


async def _recommendation(world: World, caller: str) -> str:
    """`{project}/recommendations/{id}`: a fresh project whose validated time (2 h, a
    quarter day) passes its estimate (0.1 day), analysed: a CHARGE drift's action."""
    from datetime import UTC, datetime

    from server.keys import SERVICES
    from server.services.analytics.analytics_job import analyse_project

    project = await _client_project(world, caller)
    await _owner_post(world, f"/projects/{project}/tasks", {"nom": "T", "charge_estimee_jh": "0.1"})
    body = {"projet_id": project, "date": PAST_DAY, "heures_travaillees": 2}
    entry = str((await _owner_post(world, "/time-entries", body))["id"])
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/time-entries/validate",
        json={"ids": [entry], "decision": "VALIDE"},
        headers=world.owner.headers,
    )
    await expect(resp, 200)
    services = world.client.app[SERVICES]
    await analyse_project(services, uuid.UUID(world.org_id), uuid.UUID(project), datetime.now(UTC))
    resp = await world.client.get(
        f"/api/v1/orgs/{world.org_id}/projects/{project}/recommendations",
        headers=world.owner.headers,
    )
    [made] = (await expect(resp, 200))["items"]
    return f"{project}/recommendations/{made['id']}"


async def _channel(world: World, caller: str) -> str:
    """A fresh organization channel."""
    made = await _owner_post(world, "/channels", {"name": f"canal-{uuid.uuid4().hex[:8]}"})
    return str(made["id"])


async def _group(world: World, caller: str) -> str:
    """A fresh group chat the owner made with every member of the organization in it."""
    members = [str(user.id) for role, user in world.users.items() if role in ROLES[1:]]
    made = await _owner_post(world, "/groups", {"name": "Groupe", "member_ids": members})
    return str(made["id"])


async def _group_self(world: World, caller: str) -> str:
    """`{group}/members/{self}`: a fresh `_group` and the caller's own id."""
    return f"{await _group(world, caller)}/members/{await _self(world, caller)}"


async def _general_id(world: World) -> str:
    resp = await world.client.get(
        f"/api/v1/orgs/{world.org_id}/channels", headers=world.owner.headers
    )
    items = (await expect(resp, 200))["items"]
    return str(next(s["channel"]["id"] for s in items if s["channel"]["name"] == "general"))


async def _general(world: World, caller: str) -> str:
    """The organization's `general` channel."""
    return await _general_id(world)


async def _message(world: World, caller: str) -> str:
    """A fresh message of the owner in `general` (sent through the chat service, as a
    socket would: messages have no REST route to post them)."""
    from datetime import UTC, datetime, timedelta

    from protocol.chat import ChannelRef, MessageSend
    from protocol.enums import ChannelType
    from server.actor import Actor
    from server.keys import SERVICES
    from server.services.chat.messages import send

    ref = ChannelRef(type=ChannelType.ORGANIZATION, id=uuid.UUID(await _general_id(world)))
    actor = Actor(world.owner.id, None, datetime.now(UTC) + timedelta(minutes=5))
    req = MessageSend(channel=ref, content="bonjour", client_msg_id=uuid.uuid4().hex)
    return str((await send(world.client.app[SERVICES], actor, req, None)).id)


async def _attached_file(world: World, caller: str) -> str:
    """A fresh picture the owner uploaded and attached to a message of `general`."""
    import io

    import aiohttp
    from PIL import Image

    from protocol.chat import ChannelRef, MessageSend
    from protocol.enums import ChannelType
    from server.actor import Actor
    from server.keys import SERVICES
    from server.services.chat.messages import send

    picture = io.BytesIO()
    Image.new("RGB", (4, 4)).save(picture, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", picture.getvalue(), filename="p.png", content_type="image/png")
    resp = await world.client.post(
        f"/api/v1/orgs/{world.org_id}/uploads", data=form, headers=world.owner.headers
    )
    upload_id = (await expect(resp, 201))["id"]
    ref = ChannelRef(type=ChannelType.ORGANIZATION, id=uuid.UUID(await _general_id(world)))
    from datetime import UTC, datetime, timedelta

    actor = Actor(world.owner.id, None, datetime.now(UTC) + timedelta(minutes=5))
    req = MessageSend(
        channel=ref, content="photo", client_msg_id=uuid.uuid4().hex, attachment_ids=[upload_id]
    )
    await send(world.client.app[SERVICES], actor, req, None)
    return str(upload_id)


TARGETS: dict[str, Target] = {
    "attached_file": _attached_file,
    "general": _general,
    "message": _message,
    "channel": _channel,
    "group": _group,
    "group_self": _group_self,
    "budgeted_project": _budgeted_project,
    "invoice": _invoice,
    "other_invoice": _other_invoice,
    "recommendation": _recommendation,
    "client_project": _client_project,
    "other_client_project": _other_client_project,
    "led_project": _led_project,
    "task": _task,
    "led_task": _led_task,
    "org": _org,
    "member": _member,
    "co_owner": _co_owner,
    "self": _self,
    "code": _code,
    "invitation": _invitation,
    "owner_invitation": _owner_invitation,
    "milestone": _milestone,
    "project_milestone": _project_milestone,
    "milestone_task": _milestone_task,
    "linked_task": _linked_task,
    "milestone_pair": _milestone_pair,
    "dependency": _dependency,
    "assignee": _assignee,
    "consultant": _consultant,
    "skill_pair": _skill_pair,
    "skill": _skill,
    "own_entry": _own_entry,
    "others_entry": _others_entry,
    "validated_entry": _validated_entry,
}


def allowed(ok: int, *roles: str, others: int = 403) -> dict[str, int]:
    """`ok` for `roles`, `others` for the remaining members, 404 outsider, 401 anonymous."""
    expected = {role: ok if role in roles else others for role in ROLES}
    return {**expected, "outsider": 404, "anonymous": 401}


def every_member(ok: int) -> dict[str, int]:
    return allowed(ok, *ROLES)


def every_user(ok: int) -> dict[str, int]:
    """A route of the caller's own account: every signed-in user, member or not."""
    return {**every_member(ok), "outsider": ok}


ADMINS = ("OWNER", "ADMIN")
MANAGERS = ("OWNER", "ADMIN", "MANAGER")
# Task editors on a project they lead (or are staffed on).
LEADS = (*MANAGERS, "CONSULTANT", "MEMBER")
# Everyone who reads all the organization's projects and milestones: all but CLIENT.
STAFF = tuple(r for r in ROLES if r != "CLIENT")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Callable[[Call], Any] | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.label}]" if self.label else "")


def _fresh_email(call: Call) -> str:
    return f"invitee-{uuid.uuid4().hex[:10]}@example.com"


# Resources mounted from a spec (server/rest/resource.py) --------------------------------


@dataclass(frozen=True)
class Kit:
    """A resource mounted from a `Rest` spec: its rows are the routes the spec mounts, on
    `target` (a `TARGETS` name; made through the spec's create route when `made`). A
    project resource of the kit (`ProjectResource`) is read by the project's readers and
    written as its service spec's `write` and `remove` checks say; any other names its
    readers and writers here."""

    rest: Rest
    target: str
    body: Callable[[Call], Any] | None = None  # a creation
    patch: Callable[[Call], Any] | None = None  # an update
    sample: Callable[[Call], Any] | None = None  # the target's creation, if not `body`
    made: bool = True
    query: str = ""  # appended to the creation's path (to have the runner make an id)
    readers: tuple[str, ...] = ROLES
    writers: tuple[str, ...] = MANAGERS
    read: dict[str, int] | None = None  # the item's GET, when not as the list's

    @property
    def path(self) -> str:
        return self.rest.path.removeprefix("/api/v1")


# Who passes a project resource's check: on a project nobody leads, on one the caller leads.
CHECKS: dict[object, tuple[tuple[str, ...], tuple[str, ...]]] = {
    require_task_editor: (MANAGERS, LEADS),
    require_manager: (MANAGERS, MANAGERS),
}


def kit_target(kit: Kit) -> Target:
    """A fresh row made by the owner: `{project}/<things>/{id}` for a project resource
    (of a fresh `_client_project`), its id for an organization's."""

    async def make(world: World, caller: str) -> str:
        path = kit.path.removeprefix("/orgs/{org}")
        project = await _client_project(world, caller) if kit.rest.by_project else ""
        body = (kit.sample or kit.body or dict)(Call(world, caller))
        made = await _owner_post(world, path.replace("{project}", project), body)
        if not kit.rest.by_project:
            return str(made["id"])
        return f"{project}{kit.path.split('{project}', 1)[1]}/{made['id']}"

    return make


def kit_rows(kit: Kit) -> list[Row]:
    """The rows of every route `kit.rest` mounts, the expectations from the specs."""
    rest, readers, writers = kit.rest, kit.readers, kit.writers
    led_writers = removers = writers
    scope, item = kit.path, f"{kit.path}/{{{kit.target}}}"
    if rest.by_project:
        scope = kit.path.replace("{project}", "{client_project}")
        item = kit.path.split("{project}", 1)[0] + f"{{{kit.target}}}"
    if isinstance(rest.service, ProjectResource):
        readers = ROLES
        writers, led_writers = CHECKS[rest.service.write]
        removers = CHECKS[rest.service.remove or rest.service.write][0]
    rows = []
    if rest.page:
        rows.append(Row("GET", scope, allowed(200, *readers)))
    if rest.create:
        rows.append(Row("POST", scope + kit.query, allowed(201, *writers), body=kit.body))
        if led_writers != writers:
            led = kit.path.replace("{project}", "{led_project}")
            rows.append(Row("POST", led, allowed(201, *led_writers), body=kit.body))
    if rest.read:
        rows.append(Row("GET", item, kit.read or allowed(200, *readers)))
    if rest.update:
        rows.append(Row("PATCH", item, allowed(200, *writers), body=kit.patch))
    if rest.delete:
        rows.append(Row("DELETE", item, allowed(204, *removers)))
    return rows


KITS = [
    CLIENT_KIT := Kit(
        CLIENTS,
        "client",
        body=lambda call: {"nom": "C"},
        patch=lambda call: {"secteur": f"edited by {call.caller}"},
        sample=lambda call: {
            "nom": f"Client {uuid.uuid4().hex[:6]}",
            "contact_user_id": str(call.world.users["CLIENT"].id),
        },
    ),
    PROJECT_KIT := Kit(
        PROJECTS,
        "client_project",
        made=False,
        # The query string only makes the runner create a client for the body to name.
        query="?for={client}",
        body=lambda call: {
            "nom": f"Projet {uuid.uuid4().hex[:8]}",
            "client_id": call.ids["client"],
            "date_debut": "2026-01-05",
        },
        patch=lambda call: {"description": f"edited by {call.caller}"},
    ),
    MILESTONE_KIT := Kit(
        MILESTONES,
        "milestone",
        made=False,
        body=lambda call: {"name": "Jalon", "start_date": "2026-03-02", "due_date": "2026-03-27"},
        patch=lambda call: {"name": f"edited by {call.caller}"},
        read=allowed(200, *STAFF, others=404),
    ),
    CONSULTANT_KIT := Kit(
        CONSULTANT_ROUTES,
        "consultant",
        made=False,
        query="?for={member}",
        body=lambda call: {
            "profile_id": call.ids["member"],
            "date_embauche": "2025-01-06",
            "taux_journalier_cout": 400,
        },
        patch=lambda call: {"statut": "ON_LEAVE"},
        readers=STAFF,
    ),
    COMPETENCE_KIT := Kit(
        COMPETENCES,
        "competence",
        body=lambda call: {"nom": f"Skill {uuid.uuid4().hex[:8]}"},
        patch=lambda call: {"description": f"edited by {call.caller}"},
        readers=STAFF,
    ),
    DELIVERABLE_KIT := Kit(
        DELIVERABLES,
        "deliverable",
        body=lambda call: {"nom": "Livrable"},
        patch=lambda call: {"statut": "EN_COURS"},
    ),
    STAFFING_KIT := Kit(
        STAFFING,
        "staffing",
        body=lambda call: _staff_body(call.world),
        patch=lambda call: {"allocation_pct": 2},
    ),
    INVOICE_KIT := Kit(
        INVOICE_ROUTES,
        "invoice",
        made=False,  # created by its own route (Idempotency-Key)
        patch=lambda call: {"statut_paiement": "PAYE"},
        readers=(*MANAGERS, "CLIENT"),
    ),
    RECOMMENDATION_KIT := Kit(
        RECOMMENDATIONS,
        "recommendation",
        made=False,
        patch=lambda call: {"statut": "ACCEPTEE"},
        readers=MANAGERS,
    ),
    INCIDENT_KIT := Kit(
        INCIDENTS,
        "incident",
        body=lambda call: {"titre": "Bug", "severite": "MOYENNE"},
        patch=lambda call: {"statut": "RESOLU"},
        sample=lambda call: {"titre": "Panne", "severite": "FAIBLE"},
    ),
]
TARGETS.update({kit.target: kit_target(kit) for kit in KITS if kit.made})


ROWS: list[Row] = [
    # The caller's own notification preferences (not organization-scoped).
    Row("GET", "/me/notification-preferences", every_user(200)),
    Row(
        "PUT",
        "/me/notification-preferences",
        every_user(200),
        body=lambda call: {"preferences": {"WARNING": "email", "TASK_ASSIGNED": "off"}},
    ),
    # Organizations
    Row("GET", "/orgs/{org}", every_member(200)),
    Row(
        "PATCH",
        "/orgs/{org}",
        allowed(200, *ADMINS),
        body=lambda call: {"description": f"edited by {call.caller}"},
    ),
    Row("DELETE", "/orgs/{org}", allowed(204, "OWNER")),
    # Members
    Row("GET", "/orgs/{org}/members", allowed(200, *(r for r in ROLES if r != "CLIENT"))),
    Row(
        "PATCH",
        "/orgs/{org}/members/{member}",
        allowed(200, *ADMINS),
        body=lambda call: {"role": "CONSULTANT"},
    ),
    Row("DELETE", "/orgs/{org}/members/{member}", allowed(204, *ADMINS)),
    Row(
        "PATCH",
        "/orgs/{org}/members/{co_owner}",
        allowed(200, "OWNER"),
        body=lambda call: {"role": "ADMIN"},
        label="demote an owner",
    ),
    Row("DELETE", "/orgs/{org}/members/{co_owner}", allowed(204, "OWNER")),
    Row(
        "PATCH",
        "/orgs/{org}/members/{member}",
        allowed(200, "OWNER"),
        body=lambda call: {"role": "OWNER"},
        label="promote to owner",
    ),
    # Leaving: anyone but the last owner.
    Row("DELETE", "/orgs/{org}/members/{self}", {**every_member(204), "OWNER": 409}),
    # Join codes
    Row("POST", "/orgs/{org}/join-codes", allowed(201, *ADMINS), body=lambda call: {}),
    Row("GET", "/orgs/{org}/join-codes", allowed(200, *ADMINS)),
    Row("DELETE", "/orgs/{org}/join-codes/{code}", allowed(204, *ADMINS)),
    # Invitations
    Row(
        "POST",
        "/orgs/{org}/invitations",
        allowed(201, *ADMINS),
        body=lambda call: {"email": _fresh_email(call), "role": "MEMBER"},
    ),
    Row(
        "POST",
        "/orgs/{org}/invitations",
        allowed(201, "OWNER"),
        body=lambda call: {"email": _fresh_email(call), "role": "OWNER"},
        label="invite an owner",
    ),
    Row("GET", "/orgs/{org}/invitations", allowed(200, *ADMINS)),
    Row("POST", "/orgs/{org}/invitations/{invitation}/resend", allowed(200, *ADMINS)),
    Row("POST", "/orgs/{org}/invitations/{owner_invitation}/resend", allowed(200, "OWNER")),
    Row("DELETE", "/orgs/{org}/invitations/{invitation}", allowed(204, *ADMINS)),
    Row("DELETE", "/orgs/{org}/invitations/{owner_invitation}", allowed(204, "OWNER")),
    # Clients (the CLIENT member is the contact of every target client and project)
    *kit_rows(CLIENT_KIT),
    # Projects
    *kit_rows(PROJECT_KIT),
    Row("GET", "/orgs/{org}/projects.csv?dialect=excel-fr", every_member(200)),
    Row("GET", "/orgs/{org}/projects.xlsx", every_member(200)),
    Row(
        "GET",
        "/orgs/{org}/projects/{other_client_project}",
        {**every_member(200), "CLIENT": 404},
        label="not the CLIENT member's client",
    ),
    # Tasks
    Row("GET", "/orgs/{org}/projects/{client_project}/tasks", every_member(200)),
    Row("GET", "/orgs/{org}/projects/{client_project}/board", every_member(200)),
    Row("GET", "/orgs/{org}/projects/{client_project}/tasks.csv", every_member(200)),
    Row("GET", "/orgs/{org}/projects/{client_project}/tasks.xlsx", every_member(200)),
    Row(
        "GET",
        "/orgs/{org}/projects/{other_client_project}/board",
        {**every_member(200), "CLIENT": 404},
        label="not the CLIENT member's client",
    ),
    Row(
        "POST",
        "/orgs/{org}/projects/{client_project}/tasks",
        allowed(201, *MANAGERS),
        body=lambda call: {"nom": "T"},
    ),
    Row(
        "POST",
        "/orgs/{org}/projects/{led_project}/tasks",
        allowed(201, *LEADS),
        body=lambda call: {"nom": "T"},
    ),
    Row("GET", "/orgs/{org}/tasks/{task}", every_member(200)),
    Row("PATCH", "/orgs/{org}/tasks/{task}", allowed(200, *MANAGERS), body=lambda c: {"nom": "x"}),
    Row("PATCH", "/orgs/{org}/tasks/{led_task}", allowed(200, *LEADS), body=lambda c: {"nom": "x"}),
    Row("DELETE", "/orgs/{org}/tasks/{task}", allowed(204, *MANAGERS)),
    Row("DELETE", "/orgs/{org}/tasks/{led_task}", allowed(204, *LEADS)),
    Row(
        "POST",
        "/orgs/{org}/tasks/{task}/move",
        allowed(200, *MANAGERS),
        body=lambda call: {"statut": "DONE"},
    ),
    Row(
        "POST",
        "/orgs/{org}/tasks/{led_task}/move",
        allowed(200, *LEADS),
        body=lambda call: {"statut": "DONE"},
    ),
    # Milestones (organization-level ones are not read by CLIENT members)
    *kit_rows(MILESTONE_KIT),
    Row("GET", "/orgs/{org}/milestones/{project_milestone}", every_member(200)),
    Row(
        "PUT",
        "/orgs/{org}/milestones/{milestone_task}",
        allowed(200, *MANAGERS),
        body=lambda call: {"weight": 2},
    ),
    Row("DELETE", "/orgs/{org}/milestones/{linked_task}", allowed(200, *MANAGERS)),
    Row("PUT", "/orgs/{org}/milestones/{milestone_pair}", allowed(200, *MANAGERS)),
    Row("DELETE", "/orgs/{org}/milestones/{dependency}", allowed(200, *MANAGERS)),
    Row("GET", "/orgs/{org}/milestones/{milestone}/assignments", allowed(200, *STAFF, others=404)),
    Row(
        "POST",
        "/orgs/{org}/milestones/{milestone}/assignments",
        allowed(201, *MANAGERS),
        body=lambda call: {"profile_id": str(call.world.owner.id)},
    ),
    Row("DELETE", "/orgs/{org}/milestones/{assignee}", allowed(204, *MANAGERS)),
    # Deliverables: written as tasks are; staffing (affectation)
    *kit_rows(DELIVERABLE_KIT),
    *kit_rows(STAFFING_KIT),
    # Consultants and skills: read by all but CLIENT contacts, written by managers
    *kit_rows(CONSULTANT_KIT),
    Row(
        "PUT",
        "/orgs/{org}/consultants/{member}",
        allowed(201, *MANAGERS),
        body=lambda call: {"date_embauche": "2025-01-06", "taux_journalier_cout": 400},
    ),
    Row(
        "PUT",
        "/orgs/{org}/consultants/{skill_pair}",
        allowed(201, *MANAGERS),
        body=lambda call: {"niveau": 4},
    ),
    Row("DELETE", "/orgs/{org}/consultants/{skill}", allowed(204, *MANAGERS)),
    *kit_rows(COMPETENCE_KIT),
    Row(
        "GET",
        "/orgs/{org}/staffing?competence_id={competence}&from=2026-03-02&to=2026-03-27",
        allowed(200, *STAFF),
    ),
    # Time: everyone but CLIENT contacts logs and reads their own; managers everyone's
    Row(
        "POST",
        "/orgs/{org}/time-entries?for={client_project}",
        allowed(201, *STAFF),
        body=lambda call: {
            "projet_id": call.ids["client_project"],
            "date": PAST_DAY,
            "heures_travaillees": 0.25,
        },
    ),
    Row("GET", "/orgs/{org}/time-entries", allowed(200, *STAFF)),
    Row("GET", "/orgs/{org}/time-entries.csv", allowed(200, *STAFF)),
    Row("GET", "/orgs/{org}/time-entries.csv?dialect=excel-fr", allowed(200, *STAFF)),
    Row("GET", "/orgs/{org}/time-entries.xlsx", allowed(200, *STAFF)),
    Row("GET", "/orgs/{org}/timesheets", allowed(200, *STAFF)),
    Row(
        "PATCH",
        "/orgs/{org}/time-entries/{own_entry}",
        allowed(200, *STAFF),
        body=lambda call: {"description": f"edited by {call.caller}"},
    ),
    Row(
        "PATCH",
        "/orgs/{org}/time-entries/{others_entry}",
        allowed(200, *MANAGERS),
        body=lambda call: {"description": f"edited by {call.caller}"},
    ),
    Row("DELETE", "/orgs/{org}/time-entries/{own_entry}", allowed(204, *STAFF)),
    Row("DELETE", "/orgs/{org}/time-entries/{others_entry}", allowed(204, *MANAGERS)),
    Row(
        "POST",
        "/orgs/{org}/time-entries/validate?for={others_entry}",
        allowed(200, *MANAGERS),
        body=lambda call: {"ids": [call.ids["others_entry"]], "decision": "VALIDE"},
    ),
    Row("POST", "/orgs/{org}/time-entries/{validated_entry}/reopen", allowed(200, *ADMINS)),
    # Chat: channel management and the caller's own channel settings.
    Row("GET", "/orgs/{org}/channels", every_member(200)),
    Row(
        "PATCH",
        "/orgs/{org}/channels/{channel}",
        allowed(200, *MANAGERS),
        body=lambda call: {"description": f"by {call.caller}", "archived": True},
    ),
    Row("DELETE", "/orgs/{org}/channels/{channel}", allowed(204, *ADMINS)),
    Row(
        "PUT",
        "/orgs/{org}/channels/organization/{channel}/settings",
        allowed(200, *STAFF, others=404),
        body=lambda call: {"muted": True},
    ),
    Row("GET", "/orgs/{org}/groups/{group}", every_member(200)),
    Row(
        "PATCH",
        "/orgs/{org}/groups/{group}",
        every_member(200),
        body=lambda call: {"name": f"Groupe de {call.caller}"},
    ),
    Row(
        "PUT",
        "/orgs/{org}/channels/group/{group}/settings",
        every_member(200),
        body=lambda call: {"muted": True},
    ),
    Row("DELETE", "/orgs/{org}/groups/{group_self}", every_member(204)),
    Row(
        "GET",
        "/orgs/{org}/channels/organization/{general}/pins",
        allowed(200, *STAFF, others=404),
    ),
    Row("GET", "/orgs/{org}/channels/group/{group}/pins", every_member(200)),
    Row("GET", "/orgs/{org}/messages/{message}/thread", allowed(200, *STAFF, others=404)),
    Row("GET", "/orgs/{org}/uploads/{attached_file}", allowed(200, *STAFF, others=404)),
    Row("GET", "/orgs/{org}/uploads/{attached_file}/thumbnail", allowed(200, *STAFF, others=404)),
    Row(
        "POST",
        "/orgs/{org}/uploads",
        every_member(415),
        body=lambda call: {"file": "not multipart"},
        label="JSON instead of multipart",
    ),
    Row(
        "GET", "/orgs/{org}/search?q=migration&types=message,task,project,client", every_member(200)
    ),
    # Finance: owners, admins and managers; a CLIENT member reads its projects' invoices.
    Row("GET", "/orgs/{org}/projects/{budgeted_project}/budget", allowed(200, *MANAGERS)),
    Row(
        "PUT",
        "/orgs/{org}/projects/{client_project}/budget",
        allowed(201, *MANAGERS),
        body=lambda call: {
            "montant_total_vente": "10",
            "cout_estime_total": "5",
            "marge_cible_pct": "50",
        },
    ),
    Row("GET", "/orgs/{org}/projects/{client_project}/financials", allowed(200, *MANAGERS)),
    Row("GET", "/orgs/{org}/finance/summary", allowed(200, *MANAGERS)),
    Row(
        "GET",
        "/orgs/{org}/finance/utilization?from=2026-01-05&to=2026-01-09",
        allowed(200, *MANAGERS),
    ),
    *kit_rows(INVOICE_KIT),
    Row("GET", "/orgs/{org}/invoices.csv", allowed(200, *MANAGERS, "CLIENT")),
    Row("GET", "/orgs/{org}/invoices.csv?dialect=excel-fr", allowed(200, *MANAGERS, "CLIENT")),
    Row("GET", "/orgs/{org}/invoices.xlsx", allowed(200, *MANAGERS, "CLIENT")),
    # Activity log exports
    Row("GET", "/orgs/{org}/activity.csv?dialect=excel-fr", allowed(200, *MANAGERS)),
    Row("GET", "/orgs/{org}/activity.xlsx", allowed(200, *MANAGERS)),
    Row(
        "POST",
        "/orgs/{org}/invoices?for={client_project}",
        allowed(201, *MANAGERS),
        body=lambda call: {
            "projet_id": call.ids["client_project"],
            "montant": "12.50",
            "date_facturation": PAST_DAY,
        },
    ),
    # The PDF is read like the invoice; this organization has no legal details yet, so a
    # reader gets past the access check to the 422 naming them (test_invoice_pdf.py has
    # the documents themselves).
    Row(
        "GET",
        "/orgs/{org}/invoices/{invoice}.pdf",
        allowed(422, *MANAGERS, "CLIENT"),
        label="readers get past access to the missing legal details",
    ),
    Row(
        "GET",
        "/orgs/{org}/invoices/{other_invoice}.pdf",
        {**allowed(422, *MANAGERS), "CLIENT": 404},
        label="not the CLIENT member's project",
    ),
    Row(
        "GET",
        "/orgs/{org}/invoices/{other_invoice}",
        {**allowed(200, *MANAGERS), "CLIENT": 404},
        label="not the CLIENT member's project",
    ),
    # Analytics: what the rules say about a project's money and schedule is for managers.
    Row("POST", "/orgs/{org}/projects/{client_project}/health", allowed(201, *MANAGERS)),
    Row("GET", "/orgs/{org}/projects/{client_project}/health", allowed(200, *MANAGERS)),
    Row("GET", "/orgs/{org}/projects/{client_project}/risk-predictions", allowed(200, *MANAGERS)),
    Row(
        "POST",
        "/orgs/{org}/projects/{client_project}/risk-predictions",
        allowed(201, *MANAGERS),
        body=lambda call: {
            "type_risque": "BUDGET",
            "probabilite_pct": 10,
            "confidence": 0.5,
            "horizon_jours": 7,
            "workflow_execution_id": f"exec-{call.caller}",
        },
    ),
    Row("GET", "/orgs/{org}/projects/{client_project}/drifts", allowed(200, *MANAGERS)),
    *kit_rows(RECOMMENDATION_KIT),
    # Incidents: read as the project, reported and updated as its tasks are edited.
    Row(
        "GET",
        "/orgs/{org}/projects/{other_client_project}/incidents",
        {**every_member(200), "CLIENT": 404},
        label="not the CLIENT member's client",
    ),
    *kit_rows(INCIDENT_KIT),
]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


async def build_path(world: World, caller: str, template: str) -> tuple[str, dict[str, str]]:
    """`template` with each `{name}` replaced by a fresh `TARGETS[name]` id."""
    ids = {name: await TARGETS[name](world, caller) for name in _PLACEHOLDER.findall(template)}
    return "/api/v1" + template.format(**ids), ids


# Rows share their organization (`world`): the database is emptied when the module ends.
pytestmark = pytest.mark.shares_database


@pytest.fixture(scope="module")
async def worlds(database_url: str) -> AsyncIterator[SharedWorld[World]]:
    yield SharedWorld()
    await empty_database(database_url)


@pytest.fixture
async def world(client: Client, worlds: SharedWorld[World]) -> World:
    """An organization as freshly built for each row: a new one after a row that may
    have written (every method but GET: it may have deleted the organization or changed a
    member), the same one after a read (its targets are created afresh for each caller
    anyway), and a new one every few minutes, long before its tokens expire."""
    world = await worlds.get(lambda: _build_world(client))
    world.client = client
    return world


async def _build_world(client: Client) -> World:
    owner = await register(client)
    org = await create_org(client, owner)
    users = {"OWNER": owner}
    for role in ROLES[1:]:
        users[role] = await add_member(client, owner, org["id"], role)
    users["outsider"] = await register(client)
    await create_org(client, users["outsider"])
    return World(client, org["id"], users)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
async def test_route_answers_each_caller_as_the_table_says(
    world: World, worlds: SharedWorld[World], row: Row
) -> None:
    assert set(row.expected) == set(CALLERS), "every caller needs an expected status"
    worlds.dirty = row.method != "GET"
    # Failures first: they change nothing, whereas a success may (delete the org).
    order = sorted(CALLERS, key=lambda caller: row.expected[caller] < 400)
    got: dict[str, int] = {}
    for caller in order:
        path, ids = await build_path(world, caller, row.path)
        user = world.users.get(caller)
        headers = user.headers if user is not None else {}
        body = row.body(Call(world, caller, ids)) if row.body is not None else None
        resp = await world.client.request(row.method, path, json=body, headers=headers)
        got[caller] = resp.status
        if resp.status >= 400:
            problem = await resp.json(content_type=None)
            assert problem["status"] == resp.status
    mismatches = {c: (row.expected[c], got[c]) for c in CALLERS if row.expected[c] != got[c]}
    assert not mismatches, f"{row.id}: caller -> (expected, got): {mismatches}"
