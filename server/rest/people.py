"""`/api/v1/orgs/{org}/consultants`, `/competences` (from the resource kit) and `/staffing`."""

from __future__ import annotations

from aiohttp import web

from protocol import people as p
from protocol.common import ListQuery, Page
from protocol.people import ConsultantDetailsIn, SkillSet

from ..services.people import competences, consultants, staffing_search
from .context import Context, handler
from .json import json_response, parse_body, path_uuid
from .openapi import api
from .resource import Op, Rest, Serve, mount

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
CONSULTANTS = ORG + "/consultants"
CONSULTANT = CONSULTANTS + "/{profile_id}"
SKILL = CONSULTANT + "/competences/{competence_id}"
PEOPLE = ["consultants"]
SKILLS = ["competences"]
serve = Serve(routes, tags=PEOPLE)


# Consultants ------------------------------------------------------------------------------


CONSULTANT_ROUTES = Rest(
    CONSULTANTS,
    "consultant",
    p.ConsultantOut,
    tags=PEOPLE,
    key="profile_id",
    query=p.ConsultantQuery,
    body=p.ConsultantCreate,
    patch_body=p.ConsultantPatch,
    page=Op(
        "Consultants of an organization, oldest first",
        [403],
        doc="Daily rates appear only for OWNER, ADMIN and MANAGER callers.",
        call=consultants.list_consultants,
    ),
    create=Op(
        "Give a member consultant details",
        [403, 409],
        doc="409 when the member already has details (PUT replaces them).",
        call=consultants.create_consultant,
    ),
    read=Op(
        "A consultant, with their skills",
        [403],
        doc="Daily rates appear only for OWNER, ADMIN and MANAGER callers.",
        call=consultants.get_consultant,
    ),
    update=Op("Update a consultant's details", [403, 409], call=consultants.update_consultant),
    delete=Op(
        "Remove a member's consultant details",
        [403],
        doc="The membership, skills and time entries stay.",
        call=consultants.delete_consultant,
    ),
)
mount(routes, CONSULTANT_ROUTES)


@routes.put(CONSULTANT)
@api(
    "Create or replace a member's consultant details",
    tags=PEOPLE,
    body=ConsultantDetailsIn,
    response=p.ConsultantOut,
    responses={201: p.ConsultantOut},
    errors=[403, 404, 409],
)
@handler
async def put_consultant(request: web.Request, ctx: Context) -> web.Response:
    """201 when created, 200 when replaced; the member may not be a CLIENT contact (422)."""
    profile_id = path_uuid(request, "profile_id")
    req = await parse_body(request, ConsultantDetailsIn)
    created, out = await consultants.put_consultant(
        ctx.svc, ctx.caller, ctx.org_id, profile_id, req
    )
    return json_response(out, status=201 if created else 200)


@routes.put(SKILL)
@api(
    "Set a person's level in a skill",
    tags=SKILLS,
    body=SkillSet,
    response=p.ProfileSkillOut,
    responses={201: p.ProfileSkillOut},
    errors=[403, 404, 409],
)
@handler
async def put_skill(request: web.Request, ctx: Context) -> web.Response:
    """201 when created, 200 when replaced. `niveau` 1..5; `date_evaluation` (default
    today) not in the future."""
    profile_id = path_uuid(request, "profile_id")
    competence_id = path_uuid(request, "competence_id")
    req = await parse_body(request, SkillSet)
    created, out = await consultants.set_skill(
        ctx.svc, ctx.caller, ctx.org_id, profile_id, competence_id, req
    )
    return json_response(out, status=201 if created else 200)


serve.delete(
    SKILL,
    Op("Remove a person's level in a skill", [403, 404], call=consultants.remove_skill),
    status=204,
    tags=SKILLS,
    name="delete_skill",
)


# Competences ------------------------------------------------------------------------------

COMPETENCES = Rest(
    ORG + "/competences",
    "competence",
    p.CompetenceOut,
    tags=SKILLS,
    service=competences.COMPETENCES,
    query=ListQuery,
    body=p.CompetenceCreate,
    patch_body=p.CompetencePatch,
    page=Op("The organization's skills, by name", [403]),
    create=Op(
        "Create a skill",
        [403, 409],
        doc="`nom` is unique in the organization, ignoring case (409).",
    ),
    read=Op("A skill", [403]),
    update=Op("Update a skill", [403, 409]),
    delete=Op("Delete a skill and everyone's level in it", [403]),
)
mount(routes, COMPETENCES)


# Staffing search ----------------------------------------------------------------------------


serve.get(
    ORG + "/staffing",
    Op(
        "Who has a skill, and how free they are over a period, best fit first",
        [403, 404],
        doc="""Ranked by skill level, then free allocation (100 minus the busiest day's total
        allocation over [from, to]); the range spans at most 366 days.""",
        call=staffing_search.search_staffing,
    ),
    query=p.StaffingSearchQuery,
    out=Page[p.StaffingCandidate],
)
