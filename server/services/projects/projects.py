"""Clients and projects: create, read, update, delete.

Managers and above write them (`Action.MANAGE_PROJECTS`); every member reads them,
except a CLIENT member, who reads only the clients whose contact they are and those
clients' projects (anything else is answered as missing). A project is created with its
chat channel in one transaction. Project updates are compare-and-set on `version`: with
the If-Match version they apply only if it is still current (412 otherwise), without it
the last write wins; every applied update increments the version.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.enums import ActivityAction, ChannelType
from protocol.errors import AppError, ErrorCode, FieldError, stale
from protocol.projects import (
    ClientCreate,
    ClientOut,
    ProjectCreate,
    ProjectOut,
    ProjectPatch,
    ProjectQuery,
)
from store import organizations, projects
from store.models import Client, Projet

from ...actor import Actor
from ...policy import (
    Action,
    client_contact_scope,
    require_client_reader,
    require_member,
)
from .. import live_business
from ..access import (
    announce_client_projects,
    channel_access_changed,
    project_access_changed,
    user_access_changed,
)
from ..changes import created_fields, field_changes, stored
from ..core import Services, Tx, refuse
from ..resource import OrgResource, log, out_of, project_scope, save_version
from . import milestones
from .work_notifications import project_status_changed

CLIENT = "client"
PROJECT = "project"


def project_out(p: Projet, channel_id: uuid.UUID | None) -> ProjectOut:
    return out_of(ProjectOut, p, channel_id=channel_id)


def unless(ok: object, field: str, msg: str) -> FieldError | None:
    """The 422 item of the body's `field` when `ok` is not (a reference not found, a
    check failed), for `refuse`."""
    return None if ok else FieldError(loc=["body", field], msg=msg)


async def member_error(
    session: AsyncSession, org_id: uuid.UUID, user_id: object, field: str
) -> FieldError | None:
    """A 422 item when `user_id` (if set) is not a member of the organization."""
    if user_id is None:
        return None
    assert isinstance(user_id, uuid.UUID)
    member = await organizations.get_membership(session, org_id=org_id, user_id=user_id)
    return unless(member, field, "must be a member of the organization")


# Clients ------------------------------------------------------------------------------


async def _contact_is_member(tx: Tx, org_id: uuid.UUID, req: ClientCreate) -> None:
    refuse([await member_error(tx.session, org_id, req.contact_user_id, "contact_user_id")])


async def _contact_changes(
    tx: Tx, client: Client, values: dict[str, Any], diff: dict[str, Any]
) -> None:
    """A new contact must be a member (422). The contact reads the client's projects: the
    former and the new one's sockets are re-checked once this commits."""
    org_id, contact = client.organization_id, values.get("contact_user_id")
    refuse([await member_error(tx.session, org_id, contact, "contact_user_id")])
    if "contact_user_id" in diff:
        for user_id in (client.contact_user_id, contact):
            if isinstance(user_id, uuid.UUID):
                user_access_changed(tx, user_id, org_id)
        if isinstance(contact, uuid.UUID):
            await announce_client_projects(tx, org_id, contact, client.id)


async def _has_no_projects(tx: Tx, client: Client) -> None:
    """Refused (409) while the client has projects: delete or move them first."""
    org_id = client.organization_id
    if await projects.client_has_projects(tx.session, org_id=org_id, client_id=client.id):
        raise AppError(ErrorCode.CONFLICT, "the client still has projects")


# Oldest first; a CLIENT member reads only the clients whose contact they are.
CLIENTS: OrgResource[Client, ClientOut] = OrgResource(
    name=CLIENT,
    table=projects.clients,
    out=ClientOut,
    label="nom",
    writes=Action.MANAGE_PROJECTS,
    visible=require_client_reader,
    scope=lambda member: {"contact_user_id": client_contact_scope(member)},
    before_create=_contact_is_member,
    before_update=_contact_changes,
    before_delete=_has_no_projects,
)


# Projects -----------------------------------------------------------------------------


async def _refuse_name_taken(
    session: AsyncSession, org_id: uuid.UUID, nom: str, except_id: uuid.UUID | None = None
) -> None:
    if await projects.table.taken(session, org_id, Projet.nom == nom, except_id):
        raise AppError(ErrorCode.CONFLICT, "another project of the organization has this name")


async def _project_errors(
    session: AsyncSession, org_id: uuid.UUID, values: dict[str, Any], start: date, end: date | None
) -> list[FieldError | None]:
    """What is wrong with the references and dates a create or update would store."""
    errors: list[FieldError | None] = []
    if "client_id" in values:
        client = await projects.clients.get(session, org_id=org_id, row_id=values["client_id"])
        errors.append(unless(client, "client_id", "must be a client of the organization"))
    if "chef_projet_id" in values:
        errors.append(
            await member_error(session, org_id, values["chef_projet_id"], "chef_projet_id")
        )
    field = "date_fin_prevue" if "date_fin_prevue" in values else "date_debut"
    ordered = end is None or end >= start
    errors.append(unless(ordered, field, "date_fin_prevue must not be before date_debut"))
    return errors


async def create_project(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: ProjectCreate
) -> ProjectOut:
    """The project and its chat channel; `nom` must be new in the organization (409)."""
    fields = req.model_dump()
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        refuse(
            await _project_errors(tx.session, org_id, fields, req.date_debut, req.date_fin_prevue)
        )
        await _refuse_name_taken(tx.session, org_id, req.nom)
        project, channel = await projects.create_project(tx.session, org_id=org_id, fields=fields)
        meta = {"fields": created_fields(fields), "channel_id": str(channel.id)}
        await log(tx, actor, org_id, ActivityAction.PROJECT_CREATED, PROJECT, project.id, meta)
        return project_out(project, channel.id)


async def list_projects(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ProjectQuery
) -> Page[ProjectOut]:
    """Oldest first; a CLIENT member sees only their clients' projects."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        contact = client_contact_scope(member)
        rows, cursor = await projects.list_projects(session, org_id, query, contact)
    return Page(items=[project_out(p, channel) for p, channel in rows], next_cursor=cursor)


async def get_project(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> ProjectOut:
    async with svc.sessions() as session:
        _, project = await project_scope(session, actor, org_id, project_id)
        channel = await projects.project_channel_id(session, org_id=org_id, project_id=project_id)
        return project_out(project, channel)


async def _managed_project(
    tx: Tx, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[Projet, uuid.UUID | None]:
    """The project, locked, and its channel's id, for a caller who manages projects."""
    _, project = await project_scope(
        tx.session, actor, org_id, project_id, Action.MANAGE_PROJECTS, for_update=True
    )
    channel = await projects.project_channel_id(tx.session, org_id=org_id, project_id=project_id)
    return project, channel


async def update_project(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    patch: ProjectPatch,
    expected_version: int | None,
) -> ProjectOut:
    """Renaming to a name in use is a 409; dates and references are checked as at
    creation, against the values the project would end up with."""
    changes = stored(patch.changes())
    async with svc.tx() as tx:
        project, channel = await _managed_project(tx, actor, org_id, project_id)
        if expected_version is not None and project.version != expected_version:
            raise stale(PROJECT)
        start = changes.get("date_debut", project.date_debut)
        end = changes.get("date_fin_prevue", project.date_fin_prevue)
        diff = field_changes(project, changes)
        changed = {k: changes[k] for k in diff}
        refuse(await _project_errors(tx.session, org_id, changed, start, end))
        if "nom" in diff:
            await _refuse_name_taken(tx.session, org_id, str(changed["nom"]), project_id)
        if not diff:
            return project_out(project, channel)
        old_status = project.statut
        if "client_id" in diff:
            # Who reads the project changed (a CLIENT member reads their client's projects).
            for client_id in (project.client_id, changes["client_id"]):
                contact = await projects.client_contact_id(
                    tx.session, org_id=org_id, client_id=client_id
                )
                if contact is not None:
                    user_access_changed(tx, contact, org_id)
        updated = await save_version(tx, projects.table, project, changed, PROJECT)
        meta = {"changes": diff}
        await log(tx, actor, org_id, ActivityAction.PROJECT_UPDATED, PROJECT, project_id, meta)
        if "statut" in diff:
            await project_status_changed(svc, tx, actor.user_id, updated, old_status)
        out = project_out(updated, channel)
        live_business.project_updated(tx, out)
        return out


async def delete_project(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> None:
    """Everything the project owns goes with it, its channel's messages included, in one
    transaction; organization-level milestones that counted its tasks are recomputed."""
    async with svc.tx() as tx:
        project, channel = await _managed_project(tx, actor, org_id, project_id)
        meta = {"nom": project.nom}
        await log(tx, actor, org_id, ActivityAction.PROJECT_DELETED, PROJECT, project_id, meta)
        await projects.delete_project(tx.session, project, channel)
        project_access_changed(tx, org_id, project_id)
        if channel is not None:
            channel_access_changed(tx, org_id, ChannelType.PROJECT, channel)
        await milestones.refresh_org_progress(svc, tx, actor, org_id)
