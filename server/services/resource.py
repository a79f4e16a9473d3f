"""The service side of a scoped resource, written once: the scope, the rights, the
activity log and the output, from one spec.

A `ProjectResource` (deliverables, incidents, staffing) is read by whoever reads its
project (`project_scope`), created and updated by those `write` admits, deleted by
those `remove` admits (default: `write`). An `OrgResource` (clients, skills) is read by
the members whose role holds `reads` and written by those whose role holds `writes`.
Every write logs `created`/`updated`/`deleted` to the activity log in its transaction;
an update that changes nothing logs nothing. What is truly specific to a resource (a
status stamping a date, a share that may not exceed 100%, a unique name) is a hook of
its spec.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.enums import ActivityAction
from protocol.errors import not_found, stale
from store import projects
from store.models import ActivityLog, Projet
from store.scoped import Scoped, insert_row

from ..actor import Actor
from ..policy import (
    Action,
    Member,
    require,
    require_member,
    require_project_reader,
    require_task_editor,
)
from .changes import created_fields, field_changes, jsonable, stored
from .core import Services, Tx, found

R = TypeVar("R")
O = TypeVar("O", bound=BaseModel)  # noqa: E741

Check = Callable[[AsyncSession, Member, Projet], Awaitable[None]]


async def project_scope(
    session: AsyncSession,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    action: Action | None = None,
    *,
    for_update: bool = False,
) -> tuple[Member, Projet]:
    """The caller's membership and the project (404 for an outsider or a missing one).

    Without `action`, the caller must be able to read the project (404 otherwise); with
    one (the finance rule: `SEE_FINANCIALS`, `MANAGE_PROJECTS`), their role must hold it
    (403), checked before the project is read."""
    member = await require_member(session, org_id, actor.user_id, action)
    project = await projects.get_project(
        session, org_id=org_id, project_id=project_id, for_update=for_update
    )
    if project is None:
        raise not_found("project")
    if action is None:
        await require_project_reader(session, member, project)
    return member, project


async def require_manager(_session: AsyncSession, member: Member, _project: Projet) -> None:
    """A `Check`: managers and above (`MANAGE_PROJECTS`), whoever leads the project."""
    require(member, Action.MANAGE_PROJECTS)


async def log(
    tx: Tx,
    actor: Actor,
    org_id: uuid.UUID,
    action: ActivityAction | str,
    resource_type: str,
    resource_id: uuid.UUID,
    metadata: dict[str, Any],
) -> None:
    entry = ActivityLog(
        organization_id=org_id,
        user_id=actor.user_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        metadata_=metadata,
    )
    await insert_row(tx.session, entry)


async def save_version(
    tx: Tx, table: Scoped[Any], row: Any, values: dict[str, Any], noun: str
) -> Any:
    """Compare-and-set: `values` stored as the next version of `row` (read and locked by
    the caller), only while it is still at the version read (412 naming `noun`
    otherwise); the row as stored now."""
    org_id, version = row.organization_id, row.version
    updated = await table.update_versioned(tx.session, org_id, row.id, values, version)
    if updated is None:
        raise stale(noun)
    return updated


async def page_of(
    session: AsyncSession,
    table: Scoped[Any],
    org_id: uuid.UUID,
    query: Any,
    out: Callable[[Any], O],
    filters: dict[str, Any],
    project_id: uuid.UUID | None = None,
) -> Page[O]:
    """The page of `table`'s rows the query's cursor and limit ask for, filtered by
    column (a None value: no filter), as `out` answers them; the caller checked access."""
    after, limit = query.cursor, query.limit
    rows, cursor = await table.page(
        session, org_id=org_id, project_id=project_id, cursor=after, limit=limit, filters=filters
    )
    return Page(items=[out(row) for row in rows], next_cursor=cursor)


async def project_page(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    query: Any,
    table: Scoped[Any],
    out: Callable[[Any], O],
    filters: tuple[str, ...] = (),
    action: Action | None = None,
) -> Page[O]:
    """A page of a project's rows of `table`, for a caller `project_scope` admits (with
    `action`: the analytics' `SEE_FINANCIALS`); each of the query's `filters` applies by
    column."""
    async with svc.sessions() as session:
        _, project = await project_scope(session, actor, org_id, project_id, action)
        where = {name: getattr(query, name) for name in filters}
        return await page_of(session, table, org_id, query, out, where, project.id)


async def org_page(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    query: Any,
    table: Scoped[Any],
    out: Callable[[Any], O],
    action: Action | None = None,
    filters: tuple[str, ...] = (),
    scope: Callable[[Member], dict[str, Any]] = lambda _member: {},
) -> Page[O]:
    """A page of the organization's rows of `table`, for a member whose role holds
    `action` (any member when None); each of the query's `filters` applies by column, and
    `scope` gives the filters that member is held to."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id, action)
        where = {name: getattr(query, name) for name in filters}
        return await page_of(session, table, org_id, query, out, {**where, **scope(member)})


def json_text(value: uuid.UUID | date | None) -> str | None:
    """A UUID, a date or an instant as the API's JSON writes it (pydantic's form: UTC as
    `Z`), for answers built as JSON without a model (large pages)."""
    if value is None:
        return value
    if isinstance(value, date):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return str(value)


def out_of(model: type[O], row: object, **values: Any) -> O:
    """`model` from the row's attributes named like its fields, `values` given for the
    others: a rounding, a default for a NULL column, what the row does not hold."""
    fields = {name: getattr(row, name) for name in model.model_fields if name not in values}
    return model.model_validate({**fields, **values})


@dataclass(frozen=True)
class RowLog:
    """The activity log of one kind of row: `await log(tx, actor, row, action, meta)`
    writes an entry naming the row (its organization, `resource_type` and id) and, when
    `names_project`, the row's project first in its metadata."""

    resource_type: str
    names_project: bool = False

    async def __call__(
        self, tx: Tx, actor: Actor, row: Any, action: ActivityAction, meta: dict[str, Any]
    ) -> None:
        if self.names_project:
            meta = {"projet_id": str(row.projet_id), **meta}
        await log(tx, actor, row.organization_id, action, self.resource_type, row.id, meta)


@dataclass(frozen=True, kw_only=True)
class Resource(Generic[R, O]):
    """What every scoped resource has: its table, its output model, its activity names,
    and the hooks of its writes. The subclasses say how a caller reaches a row."""

    # The activity's resource_type, the 404 ("deliverable not found") and the activity's
    # actions: "deliverable" logs DELIVERABLE_CREATED, _UPDATED and _DELETED.
    name: str
    table: Scoped[Any]
    out: type[O]
    label: str  # the column that names a deleted row in the activity log
    filters: tuple[str, ...] = ()  # query fields that filter the list, by column
    missing: str | None = None  # the 404's noun when it is not `name`
    # Hooks: a check of the request before anything is read; one in the transaction once
    # the caller's right is known; the fields a creation stores (default: the request's);
    # the values an update stores (default: the patch's, enums as values); a check of an
    # update (row, values, changed fields) and of a deletion before they are written.
    validate: Callable[[Any], None] = lambda _req: None
    before_create: Callable[[Tx, uuid.UUID, Any], Awaitable[None]] | None = None
    new_fields: Callable[[Actor, Any], dict[str, Any]] = lambda _actor, req: req.model_dump()
    new_values: Callable[[R, dict[str, Any]], dict[str, Any]] = lambda _row, values: values
    before_update: Callable[[Tx, R, dict[str, Any], dict[str, Any]], Awaitable[None]] | None = None
    before_delete: Callable[[Tx, R], Awaitable[None]] | None = None

    def action(self, verb: str) -> ActivityAction:
        """The activity's action for `verb` (CREATED, UPDATED, DELETED) on this resource."""
        return ActivityAction[f"{self.name.upper()}_{verb}"]

    def output(self, row: R) -> O:
        return self.out.model_validate(row, from_attributes=True)

    def found(self, row: R | None) -> R:
        """The row, or the resource's 404."""
        return found(row, self.missing or self.name)

    async def log(
        self, tx: Tx, actor: Actor, action: ActivityAction, row: Any, meta: dict[str, Any]
    ) -> None:
        await log(tx, actor, row.organization_id, action, self.name, row.id, meta)

    async def _insert(
        self,
        tx: Tx,
        actor: Actor,
        org_id: uuid.UUID,
        project_id: uuid.UUID | None,
        req: Any,
        scope: dict[str, Any],
    ) -> O:
        if self.before_create is not None:
            await self.before_create(tx, org_id, req)
        fields = self.new_fields(actor, req)
        row = await self.table.create(
            tx.session, org_id=org_id, project_id=project_id, fields=fields
        )
        meta = {**scope, "fields": created_fields(fields)}
        await self.log(tx, actor, self.action("CREATED"), row, meta)
        return self.output(row)

    async def apply_update(
        self, tx: Tx, actor: Actor, row: R, patch: Any, scope: dict[str, Any]
    ) -> O:
        """Store `patch` on `row` (locked by the caller, whose rights are checked) and log
        what changed with `scope`'s metadata; for an update that reaches its row its own
        way (staffing locks the consultant first)."""
        values = self.new_values(row, stored(patch.changes()))
        await self.write_changes(tx, actor, row, values, scope)
        return self.output(row)

    async def write_changes(
        self, tx: Tx, actor: Actor, row: R, values: dict[str, Any], scope: dict[str, Any]
    ) -> dict[str, Any]:
        """Store the `values` that differ from `row`'s (after `before_update`) and log
        them with `scope`'s metadata; what changed (nothing stored or logged when empty)."""
        diff = field_changes(row, values)
        if self.before_update is not None:
            await self.before_update(tx, row, values, diff)
        if diff:
            await self.table.update(tx.session, row, {k: values[k] for k in diff})
            await self.log(tx, actor, self.action("UPDATED"), row, {**scope, "changes": diff})
        return diff

    async def _remove(self, tx: Tx, actor: Actor, row: R, scope: dict[str, Any]) -> None:
        if self.before_delete is not None:
            await self.before_delete(tx, row)
        meta = {**scope, self.label: jsonable(getattr(row, self.label))}
        await self.log(tx, actor, self.action("DELETED"), row, meta)
        await self.table.delete(tx.session, row)


@dataclass(frozen=True, kw_only=True)
class ProjectResource(Resource[R, O]):
    """A resource of one project: reached through the project, read by its readers
    (those whose role holds `reads` too, when given: the analytics' `SEE_FINANCIALS`)."""

    write: Check = require_task_editor
    reads: Action | None = None
    remove: Check | None = None
    # Whether an update's activity names the project (some resources' logs never did).
    update_names_project: bool = True

    async def row(
        self, session: AsyncSession, project: Projet, row_id: uuid.UUID, *, for_update: bool
    ) -> R:
        """The project's row, or the resource's 404."""
        row = await self.table.get(
            session,
            org_id=project.organization_id,
            project_id=project.id,
            row_id=row_id,
            for_update=for_update,
        )
        return self.found(row)

    async def create(
        self, svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: Any
    ) -> O:
        self.validate(req)
        async with svc.tx() as tx:
            member, project = await project_scope(tx.session, actor, org_id, project_id)
            await self.write(tx.session, member, project)
            scope = {"projet_id": str(project.id)}
            return await self._insert(tx, actor, org_id, project.id, req, scope)

    async def page(
        self, svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: Any
    ) -> Page[O]:
        table, out, filters, reads = self.table, self.output, self.filters, self.reads
        return await project_page(svc, actor, org_id, project_id, query, table, out, filters, reads)

    async def read(
        self,
        svc: Services,
        actor: Actor,
        org_id: uuid.UUID,
        project_id: uuid.UUID,
        row_id: uuid.UUID,
    ) -> O:
        async with svc.sessions() as session:
            _, project = await project_scope(session, actor, org_id, project_id, self.reads)
            return self.output(await self.row(session, project, row_id, for_update=False))

    async def update(
        self,
        svc: Services,
        actor: Actor,
        org_id: uuid.UUID,
        project_id: uuid.UUID,
        row_id: uuid.UUID,
        patch: Any,
    ) -> O:
        async with svc.tx() as tx:
            member, project = await project_scope(tx.session, actor, org_id, project_id)
            await self.write(tx.session, member, project)
            row = await self.row(tx.session, project, row_id, for_update=True)
            scope = {"projet_id": str(project.id)} if self.update_names_project else {}
            return await self.apply_update(tx, actor, row, patch, scope)

    async def delete(
        self,
        svc: Services,
        actor: Actor,
        org_id: uuid.UUID,
        project_id: uuid.UUID,
        row_id: uuid.UUID,
    ) -> None:
        async with svc.tx() as tx:
            member, project = await project_scope(tx.session, actor, org_id, project_id)
            await (self.remove or self.write)(tx.session, member, project)
            row = await self.row(tx.session, project, row_id, for_update=True)
            await self._remove(tx, actor, row, {"projet_id": str(project.id)})


@dataclass(frozen=True, kw_only=True)
class OrgResource(Resource[R, O]):
    """A resource of the organization (not of one project): read by the members whose
    role holds `reads` (any member when None), written by those whose role holds
    `writes` (403 otherwise). `visible` may hide a row from a reader (404), `scope` gives
    the list filters a reader is held to (a CLIENT member's own clients)."""

    writes: Action
    reads: Action | None = None
    visible: Callable[[Member, R], None] = lambda _member, _row: None
    scope: Callable[[Member], dict[str, Any]] = lambda _member: {}

    async def row(
        self, session: AsyncSession, org_id: uuid.UUID, row_id: uuid.UUID, *, for_update: bool
    ) -> R:
        """The organization's row, or the resource's 404."""
        row = await self.table.get(session, org_id=org_id, row_id=row_id, for_update=for_update)
        return self.found(row)

    async def editable(self, tx: Tx, actor: Actor, org_id: uuid.UUID, row_id: uuid.UUID) -> R:
        """The row, locked, for a member whose role holds `writes` (403, then 404)."""
        await require_member(tx.session, org_id, actor.user_id, self.writes)
        return await self.row(tx.session, org_id, row_id, for_update=True)

    async def create(self, svc: Services, actor: Actor, org_id: uuid.UUID, req: Any) -> O:
        self.validate(req)
        async with svc.tx() as tx:
            await require_member(tx.session, org_id, actor.user_id, self.writes)
            return await self._insert(tx, actor, org_id, None, req, {})

    async def page(self, svc: Services, actor: Actor, org_id: uuid.UUID, query: Any) -> Page[O]:
        table, out, reads, scope = self.table, self.output, self.reads, self.scope
        return await org_page(svc, actor, org_id, query, table, out, reads, self.filters, scope)

    async def read(self, svc: Services, actor: Actor, org_id: uuid.UUID, row_id: uuid.UUID) -> O:
        async with svc.sessions() as session:
            member = await require_member(session, org_id, actor.user_id, self.reads)
            row = await self.row(session, org_id, row_id, for_update=False)
            self.visible(member, row)
            return self.output(row)

    async def update(
        self, svc: Services, actor: Actor, org_id: uuid.UUID, row_id: uuid.UUID, patch: Any
    ) -> O:
        async with svc.tx() as tx:
            row = await self.editable(tx, actor, org_id, row_id)
            return await self.apply_update(tx, actor, row, patch, {})

    async def delete(
        self, svc: Services, actor: Actor, org_id: uuid.UUID, row_id: uuid.UUID
    ) -> None:
        async with svc.tx() as tx:
            row = await self.editable(tx, actor, org_id, row_id)
            await self._remove(tx, actor, row, {})
