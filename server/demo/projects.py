"""Clients, projects in every status, and who is staffed on them for which share of
their time (never over 100 % on a day: the staffing rule refuses it)."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.delivery import StaffingCreate
from protocol.enums import ProjectStatus
from protocol.projects import ClientCreate, ProjectCreate

from ..services.people import staffing
from ..services.projects import projects
from .context import Demo


@dataclass(frozen=True)
class ClientSpec:
    key: str
    nom: str
    secteur: str
    contact: str
    contact_member: str | None = None  # person key of the CLIENT member, if any


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    nom: str
    client: str
    chef: str
    start: int  # days from today
    end: int
    statut: ProjectStatus = ProjectStatus.ACTIF


@dataclass(frozen=True)
class Staffing:
    project: str
    person: str
    pct: int
    start: int
    end: int
    role: str


CLIENTS = (
    ClientSpec(
        "banque", "Banque Rhône-Alpes", "Banque", "Antoine Lambert, DSI", contact_member="antoine"
    ),
    ClientSpec(
        "garonne",
        "Transports Garonne",
        "Transport et logistique",
        "Isabelle Marchand, directrice des opérations",
    ),
    ClientSpec("mutuelle", "Mutuelle Atlantique", "Assurance", "Pierre Gauthier, responsable data"),
)

TERMINE, SUSPENDU = ProjectStatus.TERMINE, ProjectStatus.SUSPENDU
PROJECTS = (
    ProjectSpec("espace-client", "Refonte de l'espace client", "banque", "camille", -40, 50),
    ProjectSpec("migration-cloud", "Migration cloud AWS", "garonne", "thomas", -42, 30),
    ProjectSpec("data-sinistres", "Plateforme data sinistres", "mutuelle", "camille", -21, 80),
    ProjectSpec(
        "audit-securite", "Audit de sécurité du SI", "banque", "thomas", -150, -60, TERMINE
    ),
    ProjectSpec(
        "appli-conducteurs",
        "Application mobile conducteurs",
        "garonne",
        "thomas",
        -70,
        40,
        SUSPENDU,
    ),
)

# Each project's description, by key.
DESCRIPTIONS = {
    "espace-client": (
        "Nouvel espace client web et mobile : souscription en ligne, documents, messagerie."
    ),
    "migration-cloud": "Migration des applications du datacenter de Toulouse vers AWS.",
    "data-sinistres": "Entrepôt de données et tableaux de bord de suivi des sinistres.",
    "audit-securite": "Audit d'architecture et tests d'intrusion du SI bancaire.",
    "appli-conducteurs": (
        "Application de tournées pour les conducteurs, en attente d'arbitrage budgétaire."
    ),
}

STAFFING = (
    Staffing("espace-client", "lea", 100, -40, 50, "Lead développeuse"),
    Staffing("espace-client", "ines", 50, -40, 50, "Analyste fonctionnelle"),
    Staffing("espace-client", "maxime", 50, -33, 50, "Développeur back-end"),
    Staffing("espace-client", "nicolas", 50, -33, 50, "Développeur"),
    Staffing("espace-client", "manon", 50, -40, 20, "UX designer"),
    Staffing("espace-client", "camille", 20, -40, 50, "Directrice de projet"),
    Staffing("migration-cloud", "hugo", 100, -42, 30, "Architecte cloud"),
    Staffing("migration-cloud", "maxime", 50, -33, 30, "Migration des bases"),
    Staffing("migration-cloud", "nicolas", 50, -33, 30, "Pipelines CI/CD"),
    Staffing("migration-cloud", "thomas", 30, -42, 30, "Chef de projet"),
    Staffing("migration-cloud", "chloe", 20, -11, -4, "Tests de performance"),
    Staffing("data-sinistres", "chloe", 80, -21, 80, "Data engineer"),
    Staffing("data-sinistres", "ines", 50, -21, 80, "Analyste fonctionnelle"),
    Staffing("data-sinistres", "camille", 20, -21, 80, "Directrice de projet"),
    Staffing("audit-securite", "maxime", 100, -150, -60, "Auditeur"),
    Staffing("audit-securite", "thomas", 20, -150, -60, "Chef de projet"),
    Staffing("appli-conducteurs", "lea", 50, -70, -43, "Développeuse mobile"),
)


def active_projects() -> list[str]:
    return [p.key for p in PROJECTS if p.statut is ProjectStatus.ACTIF]


async def populate(demo: Demo) -> None:
    director = demo.by("camille")
    for c in CLIENTS:
        contact = demo.uid(c.contact_member) if c.contact_member else None
        out = await projects.CLIENTS.create(
            *director,
            ClientCreate(
                nom=c.nom, secteur=c.secteur, contact_principal=c.contact, contact_user_id=contact
            ),
        )
        demo.clients[c.key] = out.id
        demo.made["clients"] += 1
    for p in PROJECTS:
        created = await projects.create_project(
            *director,
            ProjectCreate(
                nom=p.nom,
                client_id=demo.clients[p.client],
                chef_projet_id=demo.uid(p.chef),
                description=DESCRIPTIONS[p.key],
                date_debut=demo.day(p.start),
                date_fin_prevue=demo.day(p.end),
                statut=p.statut,
            ),
        )
        demo.projects[p.key] = created.id
        demo.chefs[p.key] = p.chef
        assert created.channel_id is not None  # every project gets its chat channel
        demo.project_channels[p.key] = created.channel_id
        demo.made["projects"] += 1
    for s in STAFFING:
        await staffing.STAFFING.create(
            *demo.by(demo.chefs[s.project]),
            demo.projects[s.project],
            StaffingCreate(
                profile_id=demo.uid(s.person),
                date_debut=demo.day(s.start),
                date_fin=demo.day(s.end),
                allocation_pct=s.pct,
                role=s.role,
            ),
        )
        demo.made["staffing"] += 1
