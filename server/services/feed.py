"""The activity feed and live project subscriptions."""

from __future__ import annotations

import uuid

from protocol.common import Page
from protocol.errors import AppError, not_found
from protocol.notifications import ActivityOut, ActivityQuery
from store import activity, projects
from store.models import ActivityLog, Projet

from ..actor import Actor
from ..policy import Action, find_in_caller_orgs, require_member, require_project_reader
from .core import Services, found
from .resource import org_page, out_of

FILTERS = ("resource_type", "resource_id", "user_id")


async def list_activity(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ActivityQuery
) -> Page[ActivityOut]:
    """What happened in the organization, newest first: for owners, admins and managers."""
    table, action = activity.table, Action.VIEW_ACTIVITY
    return await org_page(svc, actor, org_id, query, table, activity_out, action, FILTERS)


def activity_out(row: ActivityLog) -> ActivityOut:
    return out_of(ActivityOut, row, metadata=row.metadata_)


async def readable_project(svc: Services, actor: Actor, project_id: uuid.UUID) -> uuid.UUID:
    """The organization of a project the actor may read (for `project:subscribe`)."""
    async with svc.sessions() as session:

        async def find(org_id: uuid.UUID) -> Projet | None:
            return await projects.get_project(session, org_id=org_id, project_id=project_id)

        project = found(await find_in_caller_orgs(session, actor.user_id, find), "project")
        try:
            member = await require_member(session, project.organization_id, actor.user_id)
        except AppError:
            raise not_found("project") from None
        await require_project_reader(session, member, project)
    return project.organization_id
