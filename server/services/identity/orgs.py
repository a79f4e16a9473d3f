"""Organizations: create (with its owner and `general` channel), read, update, delete."""

from __future__ import annotations

import re
import unicodedata
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction, MemberRole
from protocol.errors import AppError, ErrorCode, FieldError
from protocol.orgs import OrgCreate, OrgOut, OrgPatch
from store import organizations
from store import uploads as upload_store
from store.models import Organization
from store.scoped import delete_row, insert_row, update_row

from ...actor import Actor
from ...policy import Action, act_as, require_member
from ..access import organization_access_changed
from ..changes import field_changes
from ..chat import uploads
from ..core import Services, found, invalid, refuse
from ..resource import log, out_of
from .members import admit_member

RESOURCE = "organization"
GENERAL_CHANNEL = "general"
SLUG_MIN, SLUG_MAX = 3, 50
# Room kept for a "-NNNNNN" de-duplication suffix when truncating a generated slug.
_SUFFIX_ROOM = 7
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Letters NFKD does not decompose into ASCII but that have a customary spelling.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O"}
)


def org_out(org: Organization, role: MemberRole) -> OrgOut:
    """As stored, the firm's legal details (docs/invoices.md) included."""
    return out_of(OrgOut, org, role=role)


def slugify(name: str) -> str:
    """A URL-safe slug of 3..50 characters: accents stripped, lowercased, every run of
    other characters turned into one '-' ("Société Générale" -> "societe-generale")."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    ascii_name = decomposed.encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    if len(slug) < SLUG_MIN:
        slug = f"{slug}-org" if slug else "org"
    return slug


def _with_suffix(base: str, n: int) -> str:
    if n == 1:
        return base
    suffix = f"-{n}"
    return base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix


async def _free_slug(session: AsyncSession, base: str) -> str:
    """`base`, else `base-2`, `base-3` ... : the first one no organization uses.

    Every candidate (up to a 6-digit suffix) starts with the stem below, so one query
    fetches all the slugs that could collide.
    """
    stem = base[: SLUG_MAX - _SUFFIX_ROOM].rstrip("-")
    taken = await organizations.slugs_like(session, stem)
    n = 1
    while _with_suffix(base, n) in taken:
        n += 1
    return _with_suffix(base, n)


def _refuse_nulls(changes: dict[str, object], *fields: str) -> None:
    null = [f for f in fields if f in changes and changes[f] is None]
    refuse([FieldError(loc=["body", f], msg="may not be null") for f in null])


def _slug_taken() -> AppError:
    return AppError(ErrorCode.CONFLICT, "this slug is already used by another organization")


async def create_org(svc: Services, actor: Actor, req: OrgCreate) -> OrgOut:
    """The creator becomes its OWNER; the organization starts with a `general` channel.

    An explicit slug that is taken is a 409; a generated one is de-duplicated with a
    numeric suffix. (Two creations racing for the same free slug: the loser gets the
    409 of the unique index.)
    """
    async with svc.tx() as tx:
        session = tx.session
        if req.slug is not None:
            if await organizations.slug_taken(session, req.slug):
                raise _slug_taken()
            slug = req.slug
        else:
            slug = await _free_slug(session, slugify(req.name))
        fields = req.model_dump(exclude={"slug"})
        org = await insert_row(session, Organization(**fields, slug=slug))
        await admit_member(tx, actor, org.id, MemberRole.OWNER, "creation")
        await organizations.create_org_channel(
            session, org_id=org.id, name=GENERAL_CHANNEL, created_by=actor.user_id
        )
        return org_out(org, MemberRole.OWNER)


async def list_orgs(svc: Services, actor: Actor, query: ListQuery) -> Page[OrgOut]:
    """The caller's organizations, with the role they hold in each."""
    async with svc.sessions() as session:
        await act_as(session, actor.user_id)
        rows, cursor = await organizations.list_user_organizations(
            session, user_id=actor.user_id, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[org_out(org, MemberRole(role)) for org, role in rows], next_cursor=cursor)


async def _member_org(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, action: Action | None = None
) -> tuple[Organization, MemberRole]:
    member = await require_member(session, org_id, actor.user_id, action)
    # Found unless deleted between the two reads.
    org = found(await organizations.get_organization(session, org_id), "organization")
    return org, member.role


async def get_org(svc: Services, actor: Actor, org_id: uuid.UUID) -> OrgOut:
    """Members only: to anyone else the organization does not exist (404)."""
    async with svc.sessions() as session:
        org, role = await _member_org(session, actor, org_id)
    return org_out(org, role)


def _check_siret_of_siren(org: Organization, changes: dict[str, object]) -> None:
    """The SIRET is the SIREN and an establishment number: checked on the values as they
    stand after the change, so neither can drift from the other."""
    siren = changes.get("siren", org.siren)
    siret = changes.get("siret", org.siret)
    if isinstance(siren, str) and isinstance(siret, str) and not siret.startswith(siren):
        loc = "siret" if "siret" in changes else "siren"
        raise invalid(["body", loc], "the SIRET must begin with the SIREN")


async def update_org(svc: Services, actor: Actor, org_id: uuid.UUID, patch: OrgPatch) -> OrgOut:
    """OWNER or ADMIN; the activity log records each changed field with old and new value."""
    changes = patch.changes()
    _refuse_nulls(changes, "name", "slug", "timezone")
    async with svc.tx() as tx:
        org, role = await _member_org(tx.session, actor, org_id, Action.UPDATE_ORG)
        diff = field_changes(org, changes)
        _check_siret_of_siren(org, changes)
        if "slug" in diff and await organizations.slug_taken(tx.session, str(changes["slug"])):
            raise _slug_taken()
        if diff:
            await update_row(tx.session, org, {key: changes[key] for key in diff})
            meta = {"changes": diff}
            await log(tx, actor, org_id, ActivityAction.ORG_UPDATED, RESOURCE, org_id, meta)
        return org_out(org, role)


async def delete_org(svc: Services, actor: Actor, org_id: uuid.UUID) -> None:
    """OWNER only. Everything the organization owns goes with it (ON DELETE CASCADE);
    every member's sockets leave its rooms once the deletion commits."""
    async with svc.tx() as tx:
        org, _ = await _member_org(tx.session, actor, org_id, Action.DELETE_ORG)
        files = await upload_store.keys_of_organization(tx.session, org_id)
        await delete_row(tx.session, org)
        organization_access_changed(tx, org_id)
        uploads.delete_after_commit(svc, tx, files)
