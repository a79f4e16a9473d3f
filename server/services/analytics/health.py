"""Project health: a deterministic, explained score from 0 to 100 (rules v1).

Seven factors, each with a weight (they sum to 100) and a sub-score between 0 and 1:

| factor | weight | sub-score |
|---|---|---|
| CPI | 25 | (CPI - 0.7) / 0.3, within 0..1: 1 at CPI >= 1, 0 at CPI <= 0.7 |
| SPI | 20 | the same with SPI |
| margin vs target | 15 | 1 + (actual margin % - target %) / 20, within 0..1 |
| overdue tasks | 10 | 1 - 2 x overdue / tasks, within 0..1 (1 without tasks) |
| overdue milestones | 10 | 1 - 2 x overdue / milestones, within 0..1 (1 without) |
| late invoices | 10 | 1 - 2 x late amount / invoiced amount, within 0..1 (1 without) |
| open incidents | 10 | 1 - points / 8, within 0..1 (FAIBLE 1, MOYENNE 2, ELEVEE 4, CRITIQUE 8) |

score = 100 x sum(weight x sub-score) / sum(weight), over the factors that can be
evaluated (CPI, SPI and margin cannot without a budget, cost or progress: they are left
out and said so). Rounded half-up to 0.01; colour from the rounded score: VERT >= 70,
ORANGE >= 40, ROUGE below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from protocol.analytics import HealthFactor, HealthOut
from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction, RiskColor
from store import analytics
from store.models import ScoreSanteProjet

from ...actor import Actor
from ...policy import Action
from ..clock import org_today
from ..core import Services
from ..finance.earned_value import ZERO, Figures, money, ratio
from ..resource import log, out_of, project_page, project_scope
from .signals import Signals, gather

ONE = Decimal(1)
GREEN_FROM = Decimal(70)
ORANGE_FROM = Decimal(40)
HEALTH = "health_score"


def clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def fr(value: Decimal, places: int = 2) -> str:
    """A decimal as French text: comma separator, `places` decimals, half-up."""
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}".replace(".", ",")


@dataclass(frozen=True)
class Factor:
    code: str
    libelle: str
    poids: int
    valeur: str | None
    sous_score: Decimal | None  # None: not evaluable
    explication: str


# Each factor's label and weight (the weights sum to 100), by code.
FACTORS = {
    "cpi": ("CPI (performance des coûts)", 25),
    "spi": ("SPI (performance des délais)", 20),
    "marge": ("Marge réelle vs cible", 15),
    "taches_en_retard": ("Tâches en retard", 10),
    "jalons_en_retard": ("Jalons en retard", 10),
    "factures_en_retard": ("Factures en retard", 10),
    "incidents_ouverts": ("Incidents ouverts", 10),
}
EARNED_VALUE_NEEDS = "non évaluable : il faut un budget, un avancement mesurable et "


def _factor(code: str, value: str | None, score: Decimal | None, why: str) -> Factor:
    label, weight = FACTORS[code]
    return Factor(code, label, weight, value, score, why)


def _ratio_factor(code: str, value: Decimal | None, lacking: str) -> Factor:
    """CPI or SPI: 100 % at 1 or more, 0 % at 0.7 or less; without a value, the factor
    says what it lacks (`lacking`, after what earned value always needs)."""
    if value is None:
        return _factor(code, None, None, EARNED_VALUE_NEEDS + lacking)
    label, shown = FACTORS[code][0], fr(value, 4)
    score = clamp((value - Decimal("0.7")) / Decimal("0.3"))
    return _factor(code, shown, score, f"{label} = {shown} : 100 % à 1 ou plus, 0 % à 0,7 ou moins")


def _share_factor(code: str, bad: Decimal | int, total: Decimal | int, shown: str) -> Factor:
    """What is late out of the whole: 0 % once half of it is."""
    score = ONE if total == 0 else clamp(ONE - 2 * Decimal(bad) / Decimal(total))
    return _factor(code, shown, score, f"{shown} : la moitié ou plus donne 0 %")


def _margin_factor(f: Figures) -> Factor:
    gap = f.ecart_marge_pts
    if gap is None:
        why = (
            "non évaluable : il faut un budget (marge cible) et du temps validé à un taux de vente"
        )
        return _factor("marge", None, None, why)
    real, target = fr(f.marge_reelle_pct or ZERO), fr(f.marge_cible_pct or ZERO)
    shown = f"{real} % pour une cible de {target} %"
    why = (
        f"écart de {fr(gap)} points : 100 % à la cible ou au-dessus, 0 % à 20 points sous la cible"
    )
    return _factor("marge", shown, clamp(ONE + gap / 20), why)


def factors(s: Signals) -> list[Factor]:
    f, points = s.figures, s.incident_points
    tasks = f"{s.tasks_overdue} tâche(s) en retard sur {s.tasks_total}"
    milestones = f"{s.milestones_overdue} jalon(s) en retard sur {s.milestones_total}"
    invoices = f"{fr(f.en_retard)} € en retard sur {fr(f.facture)} € facturés"
    incidents = f"{s.open_incident_count} incident(s) ouvert(s), {points} point(s) de gravité"
    severities = "FAIBLE 1, MOYENNE 2, ELEVEE 4, CRITIQUE 8 points ; 8 points ou plus donnent 0 %"
    return [
        _ratio_factor("cpi", f.cpi, "un coût réel"),
        _ratio_factor("spi", f.spi, "une date de fin prévue"),
        _margin_factor(f),
        _share_factor("taches_en_retard", s.tasks_overdue, s.tasks_total, tasks),
        _share_factor("jalons_en_retard", s.milestones_overdue, s.milestones_total, milestones),
        _share_factor("factures_en_retard", f.en_retard, f.facture, invoices),
        _factor("incidents_ouverts", incidents, clamp(ONE - Decimal(points) / 8), severities),
    ]


def score_of(items: list[Factor]) -> Decimal:
    """100 x weighted mean of the evaluable sub-scores, rounded half-up to 0.01."""
    weight = sum(f.poids for f in items if f.sous_score is not None)
    if weight == 0:
        return Decimal(100)
    total = sum((f.poids * f.sous_score for f in items if f.sous_score is not None), ZERO)
    return money(Decimal(100) * total / weight)


def colour_of(score: Decimal) -> RiskColor:
    if score >= GREEN_FROM:
        return RiskColor.VERT
    if score >= ORANGE_FROM:
        return RiskColor.ORANGE
    return RiskColor.ROUGE


def explain(items: list[Factor], score: Decimal, colour: RiskColor) -> str:
    """The stored `raisonnement_ia`: the score, the thresholds, each factor with its
    value, weight and sub-score, and the factors left out."""
    evaluable = sum(f.poids for f in items if f.sous_score is not None)
    lines = [
        f"Score de santé {fr(score)}/100 : {colour.value} "
        "(VERT à partir de 70, ORANGE à partir de 40, ROUGE en dessous).",
        "Calcul : somme des poids x sous-scores des facteurs évaluables, "
        f"rapportée à leur poids total ({evaluable}).",
    ]
    for f in items:
        if f.sous_score is None:
            lines.append(f"- {f.libelle} (poids {f.poids}) : {f.explication} ; facteur exclu.")
            continue
        contribution = f.poids * f.sous_score
        lines.append(
            f"- {f.libelle} (poids {f.poids}) : {f.valeur} ; sous-score "
            f"{fr(f.sous_score * 100)} %, contribution {fr(contribution)} ({f.explication})."
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Health:
    score: Decimal
    colour: RiskColor
    factors: list[Factor]
    text: str


def assess(signals: Signals) -> Health:
    items = factors(signals)
    score = score_of(items)
    colour = colour_of(score)
    return Health(score, colour, items, explain(items, score, colour))


def health_out(row: ScoreSanteProjet, items: list[Factor] | None = None) -> HealthOut:
    score = None if row.score_global is None else money(row.score_global)
    facteurs = None if items is None else [factor_out(f) for f in items]
    return out_of(HealthOut, row, score_global=score, facteurs=facteurs)


def factor_out(f: Factor) -> HealthFactor:
    return out_of(
        HealthFactor, f, evaluable=f.sous_score is not None, sous_score=ratio(f.sous_score)
    )


def health_row(org_id: uuid.UUID, signals: Signals, health: Health) -> ScoreSanteProjet:
    return ScoreSanteProjet(
        organization_id=org_id,
        projet_id=signals.project.id,
        date_analyse=signals.day,
        score_global=health.score,
        couleur_risque=health.colour.value,
        raisonnement_ia=health.text,
    )


async def compute_health(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> HealthOut:
    """Compute the project's health now and store it (a new history entry each time)."""
    async with svc.tx() as tx:
        _, project = await project_scope(
            tx.session, actor, org_id, project_id, Action.MANAGE_PROJECTS
        )
        day = await org_today(tx.session, org_id, svc.clock())
        signals = await gather(tx.session, org_id, project, day, svc.settings.hours_per_day)
        health = assess(signals)
        row = await analytics.add(tx.session, health_row(org_id, signals, health))
        score, colour = str(health.score), health.colour.value
        meta = {"projet_id": str(project.id), "score": score, "couleur": colour}
        await log(tx, actor, org_id, ActivityAction.HEALTH_COMPUTED, HEALTH, row.id, meta)
        return health_out(row, health.factors)


async def list_health(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: ListQuery
) -> Page[HealthOut]:
    table, finance = analytics.health, Action.SEE_FINANCIALS
    return await project_page(svc, actor, org_id, project_id, query, table, health_out, (), finance)
