"""The sample firm's people: accounts, memberships with every role, consultant details
with daily cost and sale rates, and the skills catalogue with each person's levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from protocol.auth import LoginRequest, RegisterRequest
from protocol.enums import ConsultantStatus, InvitationRole, MemberRole
from protocol.errors import AppError, ErrorCode
from protocol.orgs import AcceptInvitation, InvitationCreate, MemberPatch
from protocol.people import CompetenceCreate, ConsultantCreate, SkillSet

from ..actor import Actor
from ..services.core import Services
from ..services.identity import auth, invitations, members
from ..services.people import competences, consultants
from .context import ADDRESS, Demo, DemoError, Person

OWNER_KEY = "sophie"


@dataclass(frozen=True)
class Details:
    """A consultant's details: daily cost and sale rates, days since hired, status."""

    cost: Decimal
    sale: Decimal
    hired_days_ago: int
    statut: ConsultantStatus = ConsultantStatus.ON_MISSION


PEOPLE: tuple[Person, ...] = (
    Person("sophie", "Sophie", "Lefèvre", MemberRole.OWNER, "Directrice générale"),
    Person(
        "julien", "Julien", "Moreau", MemberRole.ADMIN, "Responsable administratif et financier"
    ),
    Person("camille", "Camille", "Durand", MemberRole.MANAGER, "Directrice de projets"),
    Person("thomas", "Thomas", "Bernard", MemberRole.MANAGER, "Chef de projet technique"),
    Person("lea", "Léa", "Petit", MemberRole.CONSULTANT, "Développeuse full-stack senior"),
    Person("hugo", "Hugo", "Roux", MemberRole.CONSULTANT, "Architecte cloud"),
    Person("chloe", "Chloé", "Fontaine", MemberRole.CONSULTANT, "Data engineer"),
    Person("maxime", "Maxime", "Dubois", MemberRole.CONSULTANT, "Développeur Java confirmé"),
    Person("ines", "Inès", "Garnier", MemberRole.CONSULTANT, "Consultante fonctionnelle"),
    Person("manon", "Manon", "Girard", MemberRole.CONSULTANT, "UX designer"),
    Person("nicolas", "Nicolas", "Faure", MemberRole.MEMBER, "Développeur en alternance"),
    Person("antoine", "Antoine", "Lambert", MemberRole.CLIENT, "DSI de la Banque Rhône-Alpes"),
)

DETAILS: dict[str, Details] = {
    "camille": Details(Decimal("520.00"), Decimal("950.00"), 2900),
    "thomas": Details(Decimal("480.00"), Decimal("880.00"), 2100),
    "lea": Details(Decimal("430.00"), Decimal("780.00"), 1500),
    "hugo": Details(Decimal("510.00"), Decimal("980.00"), 1200),
    "chloe": Details(Decimal("460.00"), Decimal("850.00"), 800),
    "maxime": Details(Decimal("390.00"), Decimal("700.00"), 1000),
    "ines": Details(Decimal("410.00"), Decimal("760.00"), 650),
    "manon": Details(Decimal("380.00"), Decimal("720.00"), 420, ConsultantStatus.ON_LEAVE),
    "nicolas": Details(Decimal("190.00"), Decimal("420.00"), 200),
}

# Each consultant's skills: competence name -> level 1-5.
SKILLS: dict[str, dict[str, int]] = {
    "camille": {"Gestion de projet agile": 5, "Analyse fonctionnelle": 4, "Scrum": 4},
    "thomas": {"Gestion de projet agile": 4, "AWS": 3, "Java": 3},
    "lea": {"React": 5, "TypeScript": 5, "Java": 3, "PostgreSQL": 3},
    "hugo": {"AWS": 5, "Kubernetes": 4, "Terraform": 5, "PostgreSQL": 3},
    "chloe": {"Python": 5, "Spark": 4, "PostgreSQL": 4, "AWS": 2},
    "maxime": {"Java": 4, "PostgreSQL": 4, "Kubernetes": 2, "React": 2},
    "ines": {"Analyse fonctionnelle": 5, "Scrum": 3, "UX design": 2},
    "manon": {"UX design": 5, "React": 2},
    "nicolas": {"Python": 2, "React": 2, "Java": 1},
}

COMPETENCES: dict[str, str] = {
    "Java": "Java 17+, Spring Boot, JPA",
    "React": "React 18, hooks, tests avec Testing Library",
    "TypeScript": "TypeScript côté client et Node.js",
    "Python": "Python 3, pandas, FastAPI",
    "PostgreSQL": "Modélisation, optimisation des requêtes, réplication",
    "AWS": "EC2, RDS, VPC, IAM, landing zones",
    "Kubernetes": "EKS, Helm, observabilité",
    "Terraform": "Infrastructure as code, modules, états distants",
    "Spark": "Traitements batch et streaming",
    "Analyse fonctionnelle": "Ateliers métiers, spécifications, recette",
    "Scrum": "Rituels agiles, backlog, animation d'équipe",
    "Gestion de projet agile": "Pilotage, budget, comités, relation client",
    "UX design": "Recherche utilisateur, maquettes, tests d'utilisabilité",
}

# Roles an invitation carries; the others are given after joining (as an admin would).
_INVITABLE = {r.value for r in InvitationRole}


def person(key: str) -> Person:
    return next(p for p in PEOPLE if p.key == key)


async def account(svc: Services, who: Person, slug: str, password: str) -> Actor:
    """The person's account: registered, or (left by an earlier run) signed in again."""
    email = who.email(slug)
    try:
        await auth.create_confirmed_account(
            svc, RegisterRequest(email=email, password=password, prenom=who.prenom, nom=who.nom)
        )
    except AppError as exc:
        if exc.code is not ErrorCode.CONFLICT:
            raise
    try:
        tokens = await auth.login(svc, LoginRequest(email=email, password=password), ADDRESS)
    except AppError:
        raise DemoError(
            f"the account {email} already exists with another password: pass that one "
            "with --password, or choose another --slug"
        ) from None
    return await auth.identify(svc, tokens.access_token)


async def _join(demo: Demo, who: Person) -> None:
    """Invited by the owner (or the admin), accepted, then given a role an invitation
    cannot carry (CONSULTANT, CLIENT), as the firm's admin would do."""
    actor = await account(demo.svc, who, demo.slug, demo.password)
    demo.actors[who.key] = actor
    inviter = demo.by(OWNER_KEY if who.role is MemberRole.ADMIN else "julien")
    invited_as = who.role if who.role.value in _INVITABLE else MemberRole.MEMBER
    invitation = InvitationCreate(email=who.email(demo.slug), role=InvitationRole(invited_as.value))
    created = await invitations.create_invitation(*inviter, invitation)
    await invitations.accept_invitation(demo.svc, actor, AcceptInvitation(token=created.token))
    if invited_as is not who.role:
        role = MemberPatch(role=who.role)
        await members.change_role(*demo.by("julien"), actor.user_id, role)
    demo.made["people"] += 1


async def _details(demo: Demo, who: Person, details: Details) -> None:
    await consultants.create_consultant(
        *demo.by("julien"),
        ConsultantCreate(
            profile_id=demo.uid(who.key),
            date_embauche=demo.day(-details.hired_days_ago),
            taux_journalier_cout=details.cost,
            taux_journalier_vente=details.sale,
            statut=details.statut,
            job_title=who.title,
        ),
    )


async def populate(demo: Demo) -> None:
    """Everyone but the owner (who created the organization) joins; then the catalogue
    of skills, each consultant's details and levels (evaluated at various past dates)."""
    demo.made["people"] += 1  # the owner
    for who in PEOPLE:
        if who.key != OWNER_KEY:
            await _join(demo, who)
    manager = demo.by("camille")
    for nom, description in COMPETENCES.items():
        competence = CompetenceCreate(nom=nom, description=description)
        out = await competences.COMPETENCES.create(*manager, competence)
        demo.competences[nom] = out.id
    for n, who in enumerate(p for p in PEOPLE if p.key in DETAILS):
        await _details(demo, who, DETAILS[who.key])
        for m, (skill, level) in enumerate(SKILLS[who.key].items()):
            evaluated = demo.today - timedelta(days=30 + 17 * n + 40 * m)
            await consultants.set_skill(
                *manager,
                demo.uid(who.key),
                demo.competences[skill],
                SkillSet(niveau=level, date_evaluation=evaluated),
            )
