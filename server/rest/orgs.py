"""`/api/v1/orgs[/{org}]` and `/api/v1/orgs/{org}/members[/{user_id}]`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.orgs import MemberOut, MemberPatch, OrgCreate, OrgOut, OrgPatch

from ..services.identity import members, orgs
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["orgs"])

ORGS = "/api/v1/orgs"
ORG = ORGS + "/{org}"
MEMBER = ORG + "/members/{user_id}"

serve.post(
    ORGS,
    Op("Create an organization (the caller becomes its owner)", [409], call=orgs.create_org),
    body=OrgCreate,
    out=OrgOut,
    status=201,
)
serve.get(
    ORGS, Op("The caller's organizations", call=orgs.list_orgs), query=ListQuery, out=Page[OrgOut]
)
serve.get(ORG, Op("One organization of the caller", [404], call=orgs.get_org), out=OrgOut)
serve.patch(
    ORG,
    Op("Update an organization", [403, 404, 409], call=orgs.update_org),
    body=OrgPatch,
    out=OrgOut,
    name="patch_org",
)
serve.delete(
    ORG,
    Op("Delete an organization and all it owns", [403, 404], call=orgs.delete_org),
)
serve.get(
    ORG + "/members",
    Op("Members of an organization", [403, 404], call=members.list_members),
    query=ListQuery,
    out=Page[MemberOut],
)
serve.patch(
    MEMBER,
    Op("Change a member's role", [403, 404, 409], call=members.change_role),
    body=MemberPatch,
    out=MemberOut,
    name="patch_member",
)
serve.delete(
    MEMBER,
    Op("Remove a member, or leave", [403, 404, 409], call=members.remove_member),
    name="delete_member",
)
