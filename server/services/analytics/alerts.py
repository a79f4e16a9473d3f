"""Alerts: the business side speaks up. The periodic job (analytics_job.py) computes, in
the transaction of each project's analysis, the states worth telling (health, drifts,
risks, budget) and, per organization, the late invoices and the time waiting for
validation; each is compared with what was last alerted (`alert_states`) and a
notification is created only on a transition, so a job run again changes nothing.

Who is told: the project's lead and the members whose role reads the firm's figures
(`Action.SEE_FINANCIALS`: managers, admins, owners), of those only who may still read
the resource (the same policy the REST routes apply); a consultant who leads a project
without that right is not told of figures they may not read. Late invoices go to the
finance roles; time waiting for validation to the validators (`Action.VALIDATE_TIME`),
as one digest per validator per day. Every alert names its resource and links to it
(`link`, and `metadata.resource_type` / `resource_id`). See docs/notifications.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from protocol.enums import MemberRole, NotificationType, RiskColor, Severity
from store import alerts as store
from store import analytics, organizations
from store.models import PredictionRisque, Projet

from ...policy import Action, Member, can_read_project
from ..clock import org_zone
from ..core import Services, Tx
from ..notifications import Notice, notify_readers
from .health import Health
from .signals import Signals

# Nobody acted: the job. No member has this id, so nobody is skipped as "the actor".
NO_ACTOR = uuid.UUID(int=0)
HIGH_RISK_FROM = Decimal(70)
BUDGET_STEPS = (Decimal(100), Decimal(80))
WAITING_WORKING_DAYS = 2
Reader = Callable[[Member], Awaitable[bool]]


@dataclass(frozen=True)
class Alert:
    type: NotificationType
    title: str
    message: str
    link: str
    resource_type: str
    resource_id: uuid.UUID


async def _changed(tx: Tx, org_id: uuid.UUID, kind: str, subject: uuid.UUID, state: str) -> bool:
    """Store `state` for the subject; whether it differs from the last one."""
    before = await store.swap_state(
        tx.session, org_id=org_id, kind=kind, subject_id=subject, state=state
    )
    return before != state


async def _members_who(tx: Tx, org_id: uuid.UUID, action: Action) -> list[uuid.UUID]:
    roles = await organizations.member_roles(tx.session, org_id=org_id)
    return [
        user_id
        for user_id, role in roles.items()
        if Member(user_id, org_id, MemberRole(role)).can(action)
    ]


def _reads_figures(tx: Tx, project: Projet) -> Reader:
    """Whether a member may read the project's figures (the finance routes' rule)."""

    async def may_read(member: Member) -> bool:
        return member.can(Action.SEE_FINANCIALS) and await can_read_project(
            tx.session, member, project
        )

    return may_read


async def _tell_project(svc: Services, tx: Tx, project: Projet, alert: Alert) -> None:
    """The project's lead and the finance roles, each if they may read the project's
    figures."""
    org_id = project.organization_id
    people: list[uuid.UUID | None] = [project.chef_projet_id]
    people += await _members_who(tx, org_id, Action.SEE_FINANCIALS)
    await _send(svc, tx, org_id, people, _reads_figures(tx, project), alert, project.id)


async def _send(
    svc: Services,
    tx: Tx,
    org_id: uuid.UUID,
    people: list[uuid.UUID | None],
    may_read: Reader,
    alert: Alert,
    project_id: uuid.UUID | None,
) -> None:
    meta = {
        "alert": True,
        "resource_type": alert.resource_type,
        "resource_id": str(alert.resource_id),
        "projet_id": str(project_id) if project_id else None,
    }
    notice = Notice(alert.type, alert.title, alert.message, alert.link, meta)
    await notify_readers(svc, tx, org_id, people, NO_ACTOR, may_read, notice)


def _project_link(project: Projet, tail: str = "") -> str:
    return f"/orgs/{project.organization_id}/projects/{project.id}{tail}"


def budget_step(consumed_pct: Decimal | None) -> Decimal:
    """The highest threshold (80 or 100 %) the consumed share has reached, else 0."""
    if consumed_pct is None:
        return Decimal(0)
    return next((step for step in BUDGET_STEPS if consumed_pct >= step), Decimal(0))


async def project_analysed(
    svc: Services, tx: Tx, signals: Signals, health: Health, predictions: list[PredictionRisque]
) -> None:
    """After one project's analysis, in its transaction: health turning ROUGE, a drift
    turning CRITIQUE, a risk turning high, the budget crossing 80 % then 100 %."""
    project = signals.project
    org_id = project.organization_id
    colour = health.colour.value
    if await _changed(tx, org_id, "health", project.id, colour) and colour == RiskColor.ROUGE:
        title = f"Santé du projet « {project.nom} » : ROUGE"
        message, link = f"Score de santé {health.score}/100.", _project_link(project, "/health")
        alert = Alert(NotificationType.ERROR, title, message, link, "project", project.id)
        await _tell_project(svc, tx, project, alert)
    await _drifts(svc, tx, project)
    for p in predictions:
        high = p.probabilite_pct is not None and p.probabilite_pct >= HIGH_RISK_FROM
        level = "HIGH" if high else "LOW"
        if await _changed(tx, org_id, f"risk:{p.type_risque}", project.id, level) and high:
            title = f"Risque {p.type_risque} élevé sur « {project.nom} »"
            message = f"Probabilité {p.probabilite_pct} % à {p.horizon_jours} jours."
            link = _project_link(project, "/risk-predictions")
            alert = Alert(NotificationType.WARNING, title, message, link, "risk_prediction", p.id)
            await _tell_project(svc, tx, project, alert)
    await _budget(svc, tx, signals)


async def _drifts(svc: Services, tx: Tx, project: Projet) -> None:
    org_id = project.organization_id
    for drift in await analytics.open_drifts(tx.session, org_id=org_id, project_id=project.id):
        severity = drift.severite or ""
        kind = f"drift:{drift.type_derive}"
        critical = severity == Severity.CRITIQUE
        if await _changed(tx, org_id, kind, project.id, severity) and critical:
            title = f"Dérive critique ({drift.type_derive}) sur « {project.nom} »"
            message, link = drift.description or "", _project_link(project, "/drifts")
            alert = Alert(NotificationType.ERROR, title, message, link, "drift", drift.id)
            await _tell_project(svc, tx, project, alert)


async def _budget(svc: Services, tx: Tx, signals: Signals) -> None:
    project = signals.project
    step = budget_step(signals.figures.budget_consomme_pct)
    org_id, state = project.organization_id, str(step)
    before = await store.swap_state(
        tx.session, org_id=org_id, kind="budget", subject_id=project.id, state=state
    )
    if step == 0 or (before is not None and Decimal(before) >= step):
        return
    f = signals.figures
    kind = NotificationType.ERROR if step >= 100 else NotificationType.WARNING
    title = f"Budget du projet « {project.nom} » consommé à {step} %"
    message = f"Coût réel {f.cout_reel} pour un budget de {f.bac} ({f.budget_consomme_pct:.2f} %)."
    alert = Alert(kind, title, message, _project_link(project, "/budget"), "budget", project.id)
    await _tell_project(svc, tx, project, alert)


async def invoices_checked(svc: Services, tx: Tx, org_id: uuid.UUID, today: date) -> int:
    """Each invoice that reads RETARD on the firm's `today` and did not at the last
    check: WARNING to the finance roles who read it. Answers how many turned late."""
    finance = await _members_who(tx, org_id, Action.SEE_FINANCIALS)
    turned = 0
    for invoice, project, late in await store.invoices_with_lateness(
        tx.session, org_id=org_id, today=today
    ):
        state = "RETARD" if late else "OK"
        if not (await _changed(tx, org_id, "invoice_late", invoice.id, state) and late):
            continue
        turned += 1
        title = f"Facture {invoice.numero or invoice.id} en retard (projet « {project.nom} »)"
        message = f"{invoice.montant} échue le {invoice.date_echeance}, non payée."
        link = f"/orgs/{org_id}/invoices/{invoice.id}"
        alert = Alert(NotificationType.WARNING, title, message, link, "invoice", invoice.id)
        may_read = _reads_figures(tx, project)
        await _send(svc, tx, org_id, list(finance), may_read, alert, project.id)
    return turned


def working_days_before(day: date, count: int) -> date:
    """The date `count` working days (Monday to Friday) before `day`."""
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


async def time_digest(svc: Services, tx: Tx, org_id: uuid.UUID, now: datetime) -> int:
    """Time entries waiting for validation for more than two working days (entered
    before the start of the firm's day two working days ago): one INFO digest per
    validator per day, naming how many entries wait and since when. Answers how many
    digests were sent."""
    zone = ZoneInfo(await org_zone(tx.session, org_id))
    today = now.astimezone(zone).date()
    cutoff = datetime.combine(working_days_before(today, WAITING_WORKING_DAYS), time(), zone)
    waiting = await store.pending_time(tx.session, org_id=org_id, submitted_before=cutoff)
    if not waiting:
        return 0
    oldest = min(e.date for e in waiting)
    hours = sum((e.heures_travaillees for e in waiting), Decimal(0))
    alert = Alert(
        NotificationType.INFO,
        f"{len(waiting)} saisie(s) de temps en attente de validation",
        f"{hours} h en attente depuis plus de {WAITING_WORKING_DAYS} jours ouvrés "
        f"(la plus ancienne du {oldest}).",
        f"/orgs/{org_id}/time-entries?validation_statut=EN_ATTENTE",
        "time_entries",
        org_id,
    )

    async def may_validate(member: Member) -> bool:
        return member.can(Action.VALIDATE_TIME)

    sent = 0
    for validator in await _members_who(tx, org_id, Action.VALIDATE_TIME):
        if await _changed(tx, org_id, "time_pending", validator, today.isoformat()):
            sent += 1
            await _send(svc, tx, org_id, [validator], may_validate, alert, None)
    return sent
