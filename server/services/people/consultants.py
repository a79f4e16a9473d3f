"""Consultants (`consultant_details`) and people's skills (`profile_competences`).

Every member but a CLIENT contact reads them (`Action.READ_PEOPLE`); managers and above
write them (`Action.MANAGE_PEOPLE`). Daily rates are shown only to callers who see
financials (`Action.SEE_FINANCIALS`): for the others the rate keys are left out of the
answer, not nulled. Details and skills belong to a current member of the organization
who is not a CLIENT contact; each write locks that member's membership row, so two
concurrent first writes for one person cannot both create a row.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.enums import ActivityAction, ConsultantStatus, MemberRole
from protocol.errors import AppError, ErrorCode, not_found
from protocol.people import (
    RATE_FIELDS,
    ConsultantCreate,
    ConsultantDetailsIn,
    ConsultantOut,
    ConsultantPatch,
    ConsultantQuery,
    ProfileSkillOut,
    SkillOut,
    SkillSet,
)
from store import competences, consultants, organizations, users
from store.models import Competence, ConsultantDetails, Profile, ProfileCompetence
from store.scoped import delete_row, insert_row, update_row

from ...actor import Actor
from ...policy import Action, Member, require_member
from ..changes import created_fields, field_changes, stored
from ..clock import org_today
from ..core import Services, Tx, found, invalid
from ..finance.earned_value import money_or_none
from ..resource import OrgResource, log, out_of
from .competences import COMPETENCES

CONSULTANT = "consultant"
SKILL = "profile_competence"
S = TypeVar("S", bound=SkillOut)


def skill_out(model: type[S], skill: ProfileCompetence, competence: Competence) -> S:
    """A person's level in a skill as `model` reads it (`ProfileSkillOut` names the person)."""
    niveau = skill.niveau or 1
    return out_of(model, skill, competence_id=competence.id, nom=competence.nom, niveau=niveau)


def consultant_out(
    row: ConsultantDetails,
    person: Profile,
    skills: list[tuple[ProfileCompetence, Competence]],
    show_rates: bool,
) -> ConsultantOut:
    """The rate fields are set only when `show_rates`, and unset ones are not serialized."""
    # Two decimal places, as stored (SQLite reads back what was written: `650`).
    rates = {name: money_or_none(getattr(row, name)) for name in RATE_FIELDS} if show_rates else {}
    return ConsultantOut(
        id=row.id,
        organization_id=row.organization_id,
        profile_id=row.profile_id,
        prenom=person.prenom,
        nom=person.nom,
        email=person.email,
        date_embauche=row.date_embauche,
        statut=ConsultantStatus(row.statut or ConsultantStatus.AVAILABLE),
        job_title=row.job_title,
        competences=[skill_out(SkillOut, s, c) for s, c in skills],
        created_at=row.created_at,
        updated_at=row.updated_at,
        **rates,
    )


# The details of a member, addressed by their profile id; a deleted row's activity names
# the person.
CONSULTANTS: OrgResource[ConsultantDetails, ConsultantOut] = OrgResource(
    name=CONSULTANT,
    table=consultants.details,
    out=ConsultantOut,
    label="profile_id",
    reads=Action.READ_PEOPLE,
    writes=Action.MANAGE_PEOPLE,
)


async def staff_member(
    session: AsyncSession,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    *,
    lock: bool = False,
    where: str = "path",
) -> Profile:
    """The person behind `profile_id` (sent `where`: "path" or "body"): a member (else
    404 for a path, 422 for a body), not a CLIENT contact (422). With `lock`, their
    membership row stays locked until the transaction ends."""
    membership = await organizations.get_membership(
        session, org_id=org_id, user_id=profile_id, for_update=lock
    )
    person = await users.get_profile(session, profile_id)
    if membership is None or person is None:
        if where == "path":
            raise not_found("member")
        msg = "must be a member of the organization"
    elif membership.role == MemberRole.CLIENT.value:
        msg = "a client contact has no consultant data"
    else:
        return person
    raise invalid([where, "profile_id"], msg)


async def _view(
    session: AsyncSession, member: Member, row: ConsultantDetails, person: Profile
) -> ConsultantOut:
    skills = await consultants.skills_of(
        session, org_id=row.organization_id, profile_ids=[row.profile_id]
    )
    return consultant_out(row, person, skills[row.profile_id], member.can(Action.SEE_FINANCIALS))


def _about(row: ConsultantDetails) -> dict[str, Any]:
    """What a consultant's activity names first: the person."""
    return {"profile_id": str(row.profile_id)}


# Consultants ----------------------------------------------------------------------------


async def list_consultants(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ConsultantQuery
) -> Page[ConsultantOut]:
    """Oldest first, each with their skills."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id, Action.READ_PEOPLE)
        rows, cursor = await consultants.list_details(
            session,
            org_id=org_id,
            cursor=query.cursor,
            limit=query.limit,
            statut=query.statut.value if query.statut else None,
        )
        skills = await consultants.skills_of(
            session, org_id=org_id, profile_ids=[d.profile_id for d, _ in rows]
        )
    show = member.can(Action.SEE_FINANCIALS)
    items = [consultant_out(d, p, skills[d.profile_id], show) for d, p in rows]
    return Page(items=items, next_cursor=cursor)


async def get_consultant(
    svc: Services, actor: Actor, org_id: uuid.UUID, profile_id: uuid.UUID
) -> ConsultantOut:
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id, Action.READ_PEOPLE)
        row = await CONSULTANTS.row(session, org_id, profile_id, for_update=False)
        person = found(await users.get_profile(session, profile_id), CONSULTANT)
        return await _view(session, member, row, person)


async def _create(
    tx: Tx, actor: Actor, org_id: uuid.UUID, person: Profile, req: ConsultantDetailsIn
) -> ConsultantDetails:
    """The person's new details; the activity names the person, then what was stored."""
    fields = stored(req.model_dump(exclude={"profile_id"}))
    row = await consultants.details.create(
        tx.session, org_id=org_id, fields={"profile_id": person.id, **fields}
    )
    meta = {**_about(row), "fields": created_fields(fields)}
    await CONSULTANTS.log(tx, actor, CONSULTANTS.action("CREATED"), row, meta)
    return row


async def create_consultant(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: ConsultantCreate
) -> ConsultantOut:
    """409 when the member already has details (PUT replaces them)."""
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        person = await staff_member(tx.session, org_id, req.profile_id, lock=True, where="body")
        if await consultants.details.get(tx.session, org_id=org_id, row_id=person.id):
            raise AppError(ErrorCode.CONFLICT, "this member already has consultant details")
        row = await _create(tx, actor, org_id, person, req)
        return await _view(tx.session, member, row, person)


async def put_consultant(
    svc: Services, actor: Actor, org_id: uuid.UUID, profile_id: uuid.UUID, req: ConsultantDetailsIn
) -> tuple[ConsultantOut, bool]:
    """Create or replace the member's details; True when they were created."""
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        person = await staff_member(tx.session, org_id, profile_id, lock=True)
        row = await consultants.details.get(
            tx.session, org_id=org_id, row_id=profile_id, for_update=True
        )
        created = row is None
        if row is None:
            row = await _create(tx, actor, org_id, person, req)
        else:
            await CONSULTANTS.write_changes(tx, actor, row, stored(req.model_dump()), _about(row))
        return await _view(tx.session, member, row, person), created


async def update_consultant(
    svc: Services, actor: Actor, org_id: uuid.UUID, profile_id: uuid.UUID, patch: ConsultantPatch
) -> ConsultantOut:
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        row = await CONSULTANTS.row(tx.session, org_id, profile_id, for_update=True)
        person = await staff_member(tx.session, org_id, profile_id)
        await CONSULTANTS.write_changes(tx, actor, row, stored(patch.changes()), _about(row))
        return await _view(tx.session, member, row, person)


# Skills of a person -----------------------------------------------------------------------


async def set_skill(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    competence_id: uuid.UUID,
    req: SkillSet,
) -> tuple[ProfileSkillOut, bool]:
    """Create or replace a person's level in a skill; True when it was created.
    `date_evaluation` defaults to the organization's today and may not be in the future
    (422)."""
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        today = await org_today(tx.session, org_id, svc.clock())
        evaluated = req.date_evaluation or today
        if evaluated > today:
            raise invalid(["body", "date_evaluation"], "must not be in the future")
        values: dict[str, Any] = {"niveau": req.niveau, "date_evaluation": evaluated}
        await staff_member(tx.session, org_id, profile_id, lock=True)
        competence = await COMPETENCES.row(tx.session, org_id, competence_id, for_update=False)
        ids = {"profile_id": profile_id, "competence_id": competence_id}
        skill = await competences.get_skill(tx.session, org_id=org_id, **ids)
        created = skill is None
        if skill is None:
            new = ProfileCompetence(organization_id=org_id, **ids, **values)
            skill = await insert_row(tx.session, new)
            meta: dict[str, Any] = {"fields": created_fields(values)}
        else:
            meta = {"changes": field_changes(skill, values)}
            await update_row(tx.session, skill, values)
        meta.update(profile_id=str(profile_id), competence_id=str(competence_id))
        if created or meta.get("changes"):
            await log(tx, actor, org_id, ActivityAction.SKILL_SET, SKILL, competence_id, meta)
        return skill_out(ProfileSkillOut, skill, competence), created


async def remove_skill(
    svc: Services, actor: Actor, org_id: uuid.UUID, profile_id: uuid.UUID, competence_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        ids = {"profile_id": profile_id, "competence_id": competence_id}
        skill = found(await competences.get_skill(tx.session, org_id=org_id, **ids), "skill")
        meta = {"profile_id": str(profile_id), "niveau": skill.niveau}
        await log(tx, actor, org_id, ActivityAction.SKILL_REMOVED, SKILL, competence_id, meta)
        await delete_row(tx.session, skill)
