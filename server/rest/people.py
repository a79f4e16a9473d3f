"""`/api/v1/orgs/{org}/consultants`, `/competences` (from the resource kit) and `/staffing`."""

from __future__ import annotations

from aiohttp import web

from protocol import people as p
from protocol.common import ListQuery, Page

from ..services.people import competences, consultants, staffing_search
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
    service=consultants.CONSULTANTS,
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
    ),
)
mount(routes, CONSULTANT_ROUTES)


serve.put(
    CONSULTANT,
    Op(
        "Create or replace a member's consultant details",
        [403, 404, 409],
        doc="201 when created, 200 when replaced; the member may not be a CLIENT contact (422).",
        call=consultants.put_consultant,
    ),
    body=p.ConsultantDetailsIn,
    out=p.ConsultantOut,
    created=True,
)
serve.put(
    SKILL,
    Op(
        "Set a person's level in a skill",
        [403, 404, 409],
        doc="""201 when created, 200 when replaced. `niveau` 1..5; `date_evaluation` (default
        today) not in the future.""",
        call=consultants.set_skill,
    ),
    body=p.SkillSet,
    out=p.ProfileSkillOut,
    created=True,
    tags=SKILLS,
    name="put_skill",
)
serve.delete(
    SKILL,
    Op("Remove a person's level in a skill", [403, 404], call=consultants.remove_skill),
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
