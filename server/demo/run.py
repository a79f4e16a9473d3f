"""Build the sample organization, or find it again, and print how to use it.

Everything is written through the services REST and Socket.IO use, acting as the
sample's own people, so every rule, activity log entry and notification applies as if
they had used the product. The organization is recognized by its slug and its owner's
account: a second run changes nothing and prints the logins again. A run that fails
half-way deletes the organization it started (the accounts stay, and are reused).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

import socketio
from pydantic import ValidationError

from protocol.auth import RegisterRequest
from protocol.enums import ChannelType, MemberRole
from protocol.errors import AppError
from protocol.orgs import OrgCreate
from store import organizations, users
from store.db import create_engine, create_session_factory
from store.models import Organization

from ..auth.passwords import Passwords
from ..auth.tokens import TokenService
from ..bus import Bus
from ..policy import act_as
from ..ratelimit import RateLimiter
from ..services.chat import groups
from ..services.clock import local_date
from ..services.core import Services
from ..services.identity import orgs
from ..services.identity.auth import check_password_policy
from ..settings import Settings
from . import analytics, board, chat, finance, people, projects, report, timesheet
from .context import Demo, DemoError

log = logging.getLogger("aurentia.demo")

DEFAULT_NAME = "Cap Horizon Conseil"
DEFAULT_PASSWORD = "aurentia-demo"
DESCRIPTION = "Cabinet de conseil en transformation numérique (organisation de démonstration)."


@asynccontextmanager
async def standalone_services(settings: Settings) -> AsyncIterator[Services]:
    """The services without a running server. Events are published to a Socket.IO
    server no client is connected to: what clients would have heard live they read on
    their next load (everything is stored). Rate limits are counted in this process only:
    the sample's own sign-ups are not a client's."""
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        role=settings.server_role,
        pooled=settings.pooled,
    )
    secret = settings.signing_secret()
    try:
        yield Services(
            settings=settings,
            sessions=create_session_factory(engine),
            bus=Bus(socketio.AsyncServer(async_mode="aiohttp")),
            passwords=Passwords(settings),
            tokens=TokenService(settings, secret),
            limiter=RateLimiter(None, secret=secret),
        )
    finally:
        await engine.dispose()


async def _existing(svc: Services, slug: str, password: str) -> tuple[Organization, bool] | None:
    """The sample already made with this slug and whether `password` is its password;
    None when the slug is free. A slug taken by any other organization is refused."""
    owner_email = people.person(people.OWNER_KEY).email(slug)
    async with svc.sessions() as session:
        if not await organizations.slug_taken(session, slug):
            return None
        owner = await users.get_user_by_email(session, owner_email)
        mine: list[tuple[Organization, str]] = []
        if owner is not None:
            await act_as(session, owner.id)
            mine, _ = await organizations.list_user_organizations(session, user_id=owner.id)
    found = next(
        (org for org, role in mine if org.slug == slug and role == MemberRole.OWNER.value), None
    )
    if owner is None or found is None:
        raise DemoError(
            f"the slug {slug!r} belongs to an organization that is not a demo sample: "
            "choose another one with --slug"
        )
    return found, await svc.passwords.verify(owner.password_hash, password)


async def _fill(demo: Demo) -> None:
    await people.populate(demo)
    await projects.populate(demo)
    await board.populate(demo)
    await timesheet.populate(demo)
    await finance.populate(demo)
    channels = (await groups.list_channels(*demo.by(people.OWNER_KEY))).items
    general = next(
        c.channel.id
        for c in channels
        if c.channel.type is ChannelType.ORGANIZATION and c.channel.name == orgs.GENERAL_CHANNEL
    )
    await chat.populate(demo, general)
    await analytics.populate(demo)


async def _build(svc: Services, name: str, slug: str, password: str) -> Demo:
    owner_spec = people.person(people.OWNER_KEY)
    try:
        owner = await people.account(svc, owner_spec, slug, password)
        org = await orgs.create_org(
            svc, owner, OrgCreate(name=name, slug=slug, description=DESCRIPTION)
        )
    except AppError as exc:  # e.g. another run took the slug a moment ago
        raise DemoError(f"the sample's organization could not be created: {exc}") from None
    demo = Demo(svc, slug, password, local_date(svc.clock(), org.timezone), org.id)
    demo.actors[owner_spec.key] = owner
    try:
        await _fill(demo)
    except BaseException as exc:  # interrupted too: a half-made sample would block reruns
        log.error("the demo sample failed; deleting the organization it started", exc_info=exc)
        await orgs.delete_org(svc, owner, org.id)
        if isinstance(exc, Exception) and not isinstance(exc, DemoError):
            raise DemoError(f"the sample could not be built ({exc}); nothing was kept") from exc
        raise
    return demo


def check_options(name: str, slug: str, password: str) -> None:
    """Bad options are one clear line, before anything is written."""
    try:
        OrgCreate(name=name, slug=slug)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        raise DemoError(
            "--slug must be 3 to 50 lowercase letters, digits and single hyphens"
            if field == "slug"
            else "--org-name must be 1 to 200 characters"
        ) from None
    owner = people.person(people.OWNER_KEY)
    try:
        req = RegisterRequest(
            email=owner.email(slug), password=password, prenom=owner.prenom, nom=owner.nom
        )
        check_password_policy(req.email, req.password)
    except (ValidationError, AppError):
        raise DemoError(
            "--password must be 10 to 256 characters, with at least 4 different ones"
        ) from None


async def run_demo(
    settings: Settings,
    out: TextIO,
    *,
    password: str = DEFAULT_PASSWORD,
    name: str = DEFAULT_NAME,
    slug: str | None = None,
) -> bool:
    """Make the sample (True) or find the one made before (False); print the logins."""
    slug = slug or orgs.slugify(name)
    check_options(name, slug, password)
    async with standalone_services(settings) as svc:
        existing = await _existing(svc, slug, password)
        if existing is not None:
            org, password_ok = existing
            print(
                f'The demo organization "{org.name}" (slug {slug}) already exists: nothing '
                "was changed.",
                file=out,
            )
            report.logins(out, slug, password if password_ok else None)
        else:
            demo = await _build(svc, name, slug, password)
            print(
                f'Created the demo organization "{name}" (slug {slug}): '
                f"{report.summary(demo.made)}.",
                file=out,
            )
            report.logins(out, slug, password)
    report.next_steps(out, settings)
    return existing is None
