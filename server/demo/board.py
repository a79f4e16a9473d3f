"""Kanban boards, milestones and deliverables.

Tasks are created in TODO by the project lead, then moved to their column by the person
assigned (as on a real board), so milestones in auto mode compute their own progress
from the linked tasks' weights and complete themselves when every linked task is DONE.
Some milestones and tasks are past due and unfinished: the health score counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from protocol.delivery import DeliverableCreate
from protocol.enums import DeliverableStatus, MilestonePriority, TaskPriority, TaskStatus
from protocol.milestones import MilestoneAssignmentCreate, MilestoneCreate, MilestoneTaskLink
from protocol.tasks import TaskCreate, TaskMove

from ..services.projects import delivery, milestone_links, milestones, tasks
from .context import Demo

# Both enums in their declared order (a member added there fails this unpacking loudly).
TODO, DOING, REVIEW, DONE = TaskStatus
LOW, MEDIUM, HIGH, URGENT = TaskPriority


@dataclass(frozen=True)
class MilestoneSpec:
    key: str
    project: str
    name: str
    start: int
    due: int
    priority: MilestonePriority
    color: str
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    nom: str
    statut: TaskStatus
    assignee: str
    charge: int  # estimated days
    due: int
    priority: TaskPriority = MEDIUM
    milestone: str | None = None
    weight: int = 1
    tag: str | None = None


@dataclass(frozen=True)
class DeliverableSpec:
    project: str
    nom: str
    statut: DeliverableStatus
    planned: int
    delivered: int | None = None


MILESTONES = (
    MilestoneSpec(
        "ec-1", "espace-client", "Cadrage et maquettes", -40, -27,
        MilestonePriority.HIGH, "#2563eb", ("camille", "ines"),
    ),
    MilestoneSpec(
        "ec-2", "espace-client", "Lot 1 : souscription en ligne", -26, 10,
        MilestonePriority.CRITICAL, "#7c3aed", ("lea", "maxime"),
    ),
    MilestoneSpec(
        "ec-3", "espace-client", "Lot 2 : espace documents", 11, 50,
        MilestonePriority.MEDIUM, "#0891b2",
    ),
    MilestoneSpec(
        "mc-1", "migration-cloud", "Cadrage et inventaire applicatif", -42, -33,
        MilestonePriority.HIGH, "#2563eb", ("hugo",),
    ),
    MilestoneSpec(
        "mc-2", "migration-cloud", "Migration des environnements de recette", -32, -12,
        MilestonePriority.CRITICAL, "#dc2626", ("hugo", "maxime", "nicolas"),
    ),
    MilestoneSpec(
        "mc-3", "migration-cloud", "Tests de performance", -11, -4,
        MilestonePriority.HIGH, "#ea580c", ("chloe",),
    ),
    MilestoneSpec(
        "mc-4", "migration-cloud", "Bascule en production", -3, 30,
        MilestonePriority.CRITICAL, "#16a34a", ("thomas", "hugo"),
    ),
    MilestoneSpec(
        "ds-1", "data-sinistres", "Cadrage data", -21, -8,
        MilestonePriority.MEDIUM, "#2563eb", ("chloe",),
    ),
    MilestoneSpec(
        "ds-2", "data-sinistres", "Ingestion des données", -7, 35,
        MilestonePriority.HIGH, "#7c3aed", ("chloe", "ines"),
    ),
    MilestoneSpec(
        "ds-3", "data-sinistres", "Tableaux de bord", 36, 80,
        MilestonePriority.MEDIUM, "#0891b2",
    ),
    MilestoneSpec(
        "as-1", "audit-securite", "Rapport d'audit remis", -90, -60,
        MilestonePriority.HIGH, "#16a34a", ("thomas",),
    ),
)  # fmt: skip

_EC, _MC, _DS, _AS, _AC = (
    "espace-client",
    "migration-cloud",
    "data-sinistres",
    "audit-securite",
    "appli-conducteurs",
)
T = TaskSpec

# Per project, in board order of creation: name, column, assignee, estimated days, due
# (days from today), priority, milestone and weight in its progress, tag.
TASKS: dict[str, tuple[TaskSpec, ...]] = {
    _EC: (
        T("Ateliers de cadrage avec les métiers", DONE, "ines", 8, -35, HIGH, "ec-1", 1, "cadrage"),
        T("Maquettes des parcours de souscription", DONE, "manon", 12, -30, HIGH, "ec-1", 2, "ux"),
        T("API de souscription", DONE, "lea", 16, -12, HIGH, "ec-2", 3, "back-end"),
        T("Écrans de souscription", DONE, "lea", 12, -6, MEDIUM, "ec-2", 3, "front-end"),
        T("Signature électronique des contrats", DONE, "maxime", 8, -4, HIGH, "ec-2", 2, "api"),
        T("Tests de bout en bout du lot 1", REVIEW, "nicolas", 6, -2, MEDIUM, "ec-2", 1, "qualité"),
        T("Recette du lot 1 avec la banque", DOING, "ines", 6, 9, URGENT, "ec-2", 1, "recette"),
        T("Coffre-fort numérique des documents", TODO, "lea", 10, 25, MEDIUM, "ec-3", 1, "api"),
        T("Téléversement des justificatifs", TODO, "maxime", 8, 35, MEDIUM, "ec-3", 1, "front-end"),
        T("Charte graphique du nouvel espace", TODO, "manon", 4, 30, LOW, None, 1, "ux"),
    ),
    _MC: (
        T("Inventaire des applications", DONE, "hugo", 8, -38, HIGH, "mc-1", 1, "cadrage"),
        T("Choix de la landing zone", DONE, "hugo", 4, -34, HIGH, "mc-1", 1, "architecture"),
        T("Terraform des VPC et des comptes", DONE, "hugo", 12, -22, HIGH, "mc-2", 2, "iac"),
        T("Migration des bases PostgreSQL", DOING, "maxime", 15, -10, URGENT, "mc-2", 1, "données"),
        T("Bascule des DNS de recette", DONE, "nicolas", 3, -14, MEDIUM, "mc-2", 1, "réseau"),
        T("Pipelines CI/CD GitLab", REVIEW, "nicolas", 9, -3, HIGH, "mc-4", 1, "ci"),
        T("Campagne de tirs de charge", TODO, "chloe", 6, -5, HIGH, "mc-3", 1, "performance"),
        T("Plan de bascule et de retour arrière", DOING, "thomas", 4, 7, URGENT, "mc-4", 1, "prod"),
        T("Supervision CloudWatch", TODO, "hugo", 6, 12, MEDIUM, "mc-4", 1, "exploitation"),
    ),
    _DS: (
        T("Cartographie des sources sinistres", DONE, "chloe", 3, -10, HIGH, "ds-1", 1, "cadrage"),
        T("Connecteur du SI sinistres", DONE, "chloe", 5, -2, HIGH, "ds-2", 1, "ingestion"),
        T("Modèle de données cible", DOING, "chloe", 6, 12, HIGH, "ds-2", 1, "modélisation"),
        T("Revue RGPD des données personnelles", REVIEW, "ines", 2, 5, URGENT, "ds-2", 1, "rgpd"),
        T("Contrôles de qualité des données", TODO, "chloe", 4, 30, MEDIUM, "ds-2", 1, "qualité"),
        T("Tableau de bord des délais", TODO, "ines", 5, 60, MEDIUM, "ds-3", 1, "restitution"),
    ),
    _AS: (
        T("Tests d'intrusion externes", DONE, "maxime", 10, -100, HIGH, "as-1", 1, "sécurité"),
        T("Revue des habilitations", DONE, "maxime", 6, -80, MEDIUM, "as-1", 1, "sécurité"),
        T("Rédaction du rapport d'audit", DONE, "thomas", 4, -62, HIGH, "as-1", 1, "livrable"),
    ),
    _AC: (
        T("Maquettes de l'application de tournée", DONE, "lea", 5, -50, MEDIUM, None, 1, "mobile"),
        T("Géolocalisation des livraisons", DOING, "lea", 8, 20, MEDIUM, None, 1, "mobile"),
        T("Mode hors connexion", TODO, "thomas", 6, 35, LOW, None, 1, "mobile"),
    ),
}

DELIVERABLES = (
    DeliverableSpec(_EC, "Maquettes validées des parcours", DeliverableStatus.VALIDE, -30, -31),
    DeliverableSpec(_EC, "Lot 1 : souscription en ligne", DeliverableStatus.EN_COURS, 10),
    DeliverableSpec(_MC, "Dossier d'architecture technique", DeliverableStatus.REJETE, -30, -32),
    DeliverableSpec(_MC, "Runbook d'exploitation", DeliverableStatus.A_FAIRE, 14),
    DeliverableSpec(_DS, "Spécifications du modèle de données", DeliverableStatus.LIVRE, -5, -4),
    DeliverableSpec(_AS, "Rapport d'audit de sécurité", DeliverableStatus.VALIDE, -60, -62),
)


async def _milestones(demo: Demo) -> None:
    for m in MILESTONES:
        lead = demo.by(demo.chefs[m.project])
        out = await milestones.create_milestone(
            *lead,
            MilestoneCreate(
                name=m.name,
                projet_id=demo.projects[m.project],
                start_date=demo.day(m.start),
                due_date=demo.day(m.due),
                priority=m.priority,
                color=m.color,
            ),
        )
        demo.milestones[m.key] = out.id
        demo.made["milestones"] += 1
        for who in m.people:
            assignment = MilestoneAssignmentCreate(profile_id=demo.uid(who))
            await milestone_links.assign(*lead, out.id, assignment)


async def _task(demo: Demo, project: str, t: TaskSpec) -> None:
    lead = demo.by(demo.chefs[project])
    out = await tasks.create_task(
        *lead,
        demo.projects[project],
        TaskCreate(
            nom=t.nom,
            priority=t.priority,
            profile_responsable_id=demo.uid(t.assignee),
            charge_estimee_jh=Decimal(t.charge),
            date_fin_cible=demo.day(t.due),
            tags=[t.tag] if t.tag else [],
        ),
    )
    demo.tasks[t.nom] = out.id
    demo.assigned.setdefault((project, t.assignee), []).append(out.id)
    demo.made["tasks"] += 1
    if t.milestone is not None:
        link = MilestoneTaskLink(weight=t.weight)
        await milestone_links.link_task(*lead, demo.milestones[t.milestone], out.id, link)
    if t.statut is not TODO:
        await tasks.move_task(*demo.by(t.assignee), out.id, TaskMove(statut=t.statut), None)


async def populate(demo: Demo) -> None:
    await _milestones(demo)
    for project, specs in TASKS.items():
        for t in specs:
            await _task(demo, project, t)
    for d in DELIVERABLES:
        await delivery.DELIVERABLES.create(
            *demo.by(demo.chefs[d.project]),
            demo.projects[d.project],
            DeliverableCreate(
                nom=d.nom,
                statut=d.statut,
                date_prevue=demo.day(d.planned),
                date_livraison=None if d.delivered is None else demo.day(d.delivered),
            ),
        )
        demo.made["deliverables"] += 1
