"""Analytics routes under a project: health scores, risk predictions, drifts,
recommended actions and incidents. The rules: docs/finance.md."""

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
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()

PROJECT = "/api/v1/orgs/{org}/projects/{project}"
INCIDENTS = PROJECT + "/incidents"
TAGS = ["analytics"]
INCIDENT_TAGS = ["incidents"]


@routes.post(PROJECT + "/health")
@api(
    "Compute and store the project's health now",
    tags=TAGS,
    response=HealthOut,
    status=201,
    errors=[403],
)
@project_handler
async def compute_health(request: web.Request, ctx: Context) -> web.Response:
    """A score from 0 to 100 and its colour (VERT >= 70, ORANGE >= 40, ROUGE below),
    with every factor, its value, weight and sub-score, also written out in French in
    `raisonnement_ia`."""
    out = await health.compute_health(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id)
    return json_response(out, status=201)


@routes.get(PROJECT + "/health")
@api(
    "The project's health history, newest first",
    tags=TAGS,
    query=ListQuery,
    response=Page[HealthOut],
    errors=[403],
)
@project_handler
async def list_health(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, ListQuery)
    return json_response(
        await health.list_health(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    )


@routes.get(PROJECT + "/risk-predictions")
@api(
    "Risk predictions of the project, newest first",
    tags=TAGS,
    query=PredictionQuery,
    response=Page[PredictionOut],
    errors=[403],
)
@project_handler
async def list_predictions(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, PredictionQuery)
    page = await predictions.list_predictions(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query
    )
    return json_response(page)


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


@routes.get(PROJECT + "/drifts")
@api(
    "Drifts detected on the project, newest first",
    tags=TAGS,
    query=DriftQuery,
    response=Page[DriftOut],
    errors=[403],
)
@project_handler
async def list_drifts(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, DriftQuery)
    return json_response(
        await drifts.list_drifts(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    )


@routes.get(PROJECT + "/recommendations")
@api(
    "Actions recommended for the project's drifts, newest first",
    tags=TAGS,
    query=RecommendationQuery,
    response=Page[RecommendationOut],
    errors=[403],
)
@project_handler
async def list_recommendations(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, RecommendationQuery)
    page = await drifts.list_recommendations(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    return json_response(page)


@routes.patch(PROJECT + "/recommendations/{id}")
@api(
    "Accept, reject or complete a recommended action",
    tags=TAGS,
    body=RecommendationPatch,
    response=RecommendationOut,
    errors=[403, 409],
)
@project_handler
async def patch_recommendation(request: web.Request, ctx: Context) -> web.Response:
    """PROPOSEE -> ACCEPTEE | REJETEE; ACCEPTEE -> REALISEE | REJETEE; others are 409."""
    recommendation_id = path_uuid(request, "id")
    patch = await parse_body(request, RecommendationPatch)
    out = await drifts.update_recommendation(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, recommendation_id, patch
    )
    return json_response(out)


@routes.get(INCIDENTS)
@api(
    "Incidents of the project, latest first",
    tags=INCIDENT_TAGS,
    query=IncidentQuery,
    response=Page[IncidentOut],
)
@project_handler
async def list_incidents(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, IncidentQuery)
    page = await incidents.INCIDENTS.page(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    return json_response(page)


@routes.post(INCIDENTS)
@api(
    "Report an incident",
    tags=INCIDENT_TAGS,
    body=IncidentCreate,
    response=IncidentOut,
    status=201,
    errors=[403],
)
@project_handler
async def create_incident(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, IncidentCreate)
    out = await incidents.INCIDENTS.create(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, req)
    return json_response(out, status=201)


@routes.get(INCIDENTS + "/{id}")
@api("An incident", tags=INCIDENT_TAGS, response=IncidentOut)
@project_handler
async def get_incident(request: web.Request, ctx: Context) -> web.Response:
    incident_id = path_uuid(request, "id")
    out = await incidents.INCIDENTS.read(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, incident_id
    )
    return json_response(out)


@routes.patch(INCIDENTS + "/{id}")
@api(
    "Update an incident", tags=INCIDENT_TAGS, body=IncidentPatch, response=IncidentOut, errors=[403]
)
@project_handler
async def patch_incident(request: web.Request, ctx: Context) -> web.Response:
    """RESOLU or FERME stamps `date_resolution` (now unless given); OUVERT or EN_COURS
    clears it."""
    incident_id = path_uuid(request, "id")
    patch = await parse_body(request, IncidentPatch)
    out = await incidents.INCIDENTS.update(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, incident_id, patch
    )
    return json_response(out)


@routes.delete(INCIDENTS + "/{id}")
@api("Delete an incident", tags=INCIDENT_TAGS, status=204, errors=[403])
@project_handler
async def delete_incident(request: web.Request, ctx: Context) -> web.Response:
    incident_id = path_uuid(request, "id")
    await incidents.INCIDENTS.delete(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, incident_id)
    return web.Response(status=204)
