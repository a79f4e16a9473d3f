"""Analytics routes under a project: health scores, risk predictions, drifts,
recommended actions and incidents (the last two from the resource kit). The rules:
docs/finance.md."""

from __future__ import annotations

from aiohttp import web

from protocol.analytics import (
    DriftOut,
    DriftQuery,
    HealthOut,
    IncidentCreate,
    IncidentOut,
    IncidentPatch,
    IncidentQuery,
    PredictionCreate,
    PredictionOut,
    PredictionQuery,
    RecommendationOut,
    RecommendationPatch,
    RecommendationQuery,
)
from protocol.common import ListQuery, Page

from ..services.analytics import drifts, health, incidents, predictions
from .context import Context, project_handler
from .json import json_response, parse_body
from .openapi import api
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
    out=HealthOut,
    status=201,
)
serve.get(
    PROJECT + "/health",
    Op("The project's health history, newest first", [403], call=health.list_health),
    query=ListQuery,
    out=Page[HealthOut],
)
mount(
    routes,
    Rest(
        PROJECT + "/risk-predictions",
        "prediction",
        PredictionOut,
        tags=TAGS,
        query=PredictionQuery,
        page=Op(
            "Risk predictions of the project, newest first",
            [403],
            call=predictions.list_predictions,
        ),
    ),
)


@routes.post(PROJECT + "/risk-predictions")
@api(
    "Ingest an external risk prediction",
    tags=TAGS,
    body=PredictionCreate,
    response=PredictionOut,
    status=201,
    responses={200: PredictionOut},
    errors=[403],
)
@project_handler
async def ingest_prediction(request: web.Request, ctx: Context) -> web.Response:
    """Idempotent on (`workflow_execution_id`, `type_risque`) for the project: 201 when
    stored, 200 with the prediction already stored for that execution."""
    req = await parse_body(request, PredictionCreate)
    out, created = await predictions.ingest(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, req)
    return json_response(out, status=201 if created else 200)


mount(
    routes,
    Rest(
        PROJECT + "/drifts",
        "drift",
        DriftOut,
        tags=TAGS,
        query=DriftQuery,
        page=Op("Drifts detected on the project, newest first", [403], call=drifts.list_drifts),
    ),
)

RECOMMENDATIONS = Rest(
    PROJECT + "/recommendations",
    "recommendation",
    RecommendationOut,
    tags=TAGS,
    query=RecommendationQuery,
    patch_body=RecommendationPatch,
    page=Op(
        "Actions recommended for the project's drifts, newest first",
        [403],
        call=drifts.list_recommendations,
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
    IncidentOut,
    tags=["incidents"],
    service=incidents.INCIDENTS,
    query=IncidentQuery,
    body=IncidentCreate,
    patch_body=IncidentPatch,
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
