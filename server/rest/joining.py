"""Join codes (`/api/v1/orgs/{org}/join-codes`, `/api/v1/join`) and invitations
(`/api/v1/orgs/{org}/invitations`, `/api/v1/invitations/accept`)."""

from __future__ import annotations

from aiohttp import web

from protocol import orgs as p
from protocol.common import ListQuery, Page

from ..services.identity import invitations, joining
from .limits import Named
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["joining"])

CODES = "/api/v1/orgs/{org}/join-codes"
INVITATIONS = "/api/v1/orgs/{org}/invitations"

serve.post(
    CODES,
    Op("Create a join code", [403, 404, 409], call=joining.create_join_code),
    body=p.JoinCodeCreate,
    out=p.JoinCodeOut,
    status=201,
)
serve.get(
    CODES,
    Op("Join codes of an organization", [403, 404], call=joining.list_join_codes),
    query=ListQuery,
    out=Page[p.JoinCodeOut],
)
serve.delete(
    CODES + "/{id}",
    Op("Delete a join code", [403, 404], call=joining.delete_join_code),
)
serve.post(
    "/api/v1/join",
    Op("Join an organization with a code", [404, 409], call=joining.join),
    body=p.JoinRequest,
    out=p.OrgOut,
    status=201,
)
serve.post(
    INVITATIONS,
    Op(
        "Invite someone by email (mailed; the token is shown once only without SMTP)",
        [403, 404, 409],
        call=invitations.create_invitation,
    ),
    body=p.InvitationCreate,
    out=p.InvitationCreated,
    status=201,
    limit=Named.INVITATIONS,
)
serve.get(
    INVITATIONS,
    Op("Invitations of an organization", [403, 404], call=invitations.list_invitations),
    query=ListQuery,
    out=Page[p.InvitationOut],
)
serve.post(
    INVITATIONS + "/{id}/resend",
    Op(
        "Mail an invitation again with a fresh link (the previous one stops working)",
        [403, 404, 409],
        call=invitations.resend_invitation,
    ),
    out=p.InvitationCreated,
    limit=Named.INVITATIONS,
)
serve.delete(
    INVITATIONS + "/{id}",
    Op("Revoke an invitation", [403, 404], call=invitations.revoke_invitation),
)
serve.post(
    "/api/v1/invitations/accept",
    Op("Accept an invitation", [403, 404, 409], call=invitations.accept_invitation),
    body=p.AcceptInvitation,
    out=p.OrgOut,
    status=201,
)
