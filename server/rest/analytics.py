"""Analytics routes under a project: health scores, risk predictions, drifts,
recommended actions and incidents (the last two from the resource kit). The rules:
docs/finance.md."""

from __future__ import annotations

from aiohttp import web

from protocol import analytics as p
from protocol.common import ListQuery, Page

from ..services.analytics import drifts, health, incidents, predictions
from .resource import Op, Rest, Serve, mount

routes = web.RouteTableDef()

PROJECT = "/api/v1/orgs/{org}/projects/{project}"
TAGS = ["analytics"]
serve = Serve(routes, tags=TAGS)


serve.post(
    PROJECT + "/health",
    Op(
        "Compute and store the project's health now",
        [403],
        doc="""A score from 0 to 100 and its colour (VERT >= 70, ORANGE >= 40, ROUGE below),
        with every factor, its value, weight and sub-score, also written out in French in
        `raisonnement_ia`.""",
        call=health.compute_health,
    ),
    out=p.HealthOut,
    status=201,
)
serve.get(
    PROJECT + "/health",
    Op("The project's health history, newest first", [403], call=health.list_health),
    query=ListQuery,
    out=Page[p.HealthOut],
)
serve.get(
    PROJECT + "/risk-predictions",
    Op("Risk predictions of the project, newest first", [403], call=predictions.list_predictions),
    query=p.PredictionQuery,
    out=Page[p.PredictionOut],
)
serve.post(
    PROJECT + "/risk-predictions",
    Op(
        "Ingest an external risk prediction",
        [403],
        doc="""Idempotent on (`workflow_execution_id`, `type_risque`) for the project: 201 when
        stored, 200 with the prediction already stored for that execution.""",
        call=predictions.ingest,
    ),
    body=p.PredictionCreate,
    out=p.PredictionOut,
    status=201,
    created=True,
    name="ingest_prediction",
)
serve.get(
    PROJECT + "/drifts",
    Op("Drifts detected on the project, newest first", [403], call=drifts.list_drifts),
    query=p.DriftQuery,
    out=Page[p.DriftOut],
)

RECOMMENDATIONS = Rest(
    PROJECT + "/recommendations",
    "recommendation",
    p.RecommendationOut,
    tags=TAGS,
    query=p.RecommendationQuery,
    patch_body=p.RecommendationPatch,
    page=Op(
        "Actions recommended for the project's drifts, newest first",
        [403],
        call=drifts.RECOMMENDATIONS.page,
    ),
    update=Op(
        "Accept, reject or complete a recommended action",
        [403, 409],
        doc="PROPOSEE -> ACCEPTEE | REJETEE; ACCEPTEE -> REALISEE | REJETEE; others are 409.",
        call=drifts.update_recommendation,
    ),
)

INCIDENTS = Rest(
    PROJECT + "/incidents",
    "incident",
    p.IncidentOut,
    tags=["incidents"],
    service=incidents.INCIDENTS,
    query=p.IncidentQuery,
    body=p.IncidentCreate,
    patch_body=p.IncidentPatch,
    page=Op("Incidents of the project, latest first"),
    create=Op("Report an incident", [403]),
    read=Op("An incident"),
    update=Op(
        "Update an incident",
        [403],
        doc="""RESOLU or FERME stamps `date_resolution` (now unless given); OUVERT or EN_COURS
        clears it.""",
    ),
    delete=Op("Delete an incident", [403]),
)

mount(routes, RECOMMENDATIONS)
mount(routes, INCIDENTS)
