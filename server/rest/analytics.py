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

from ..services import drifts, health, incidents, predictions
from .context import actor, services
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
async def compute_health(request: web.Request) -> web.Response:
    """A score from 0 to 100 and its colour (VERT >= 70, ORANGE >= 40, ROUGE below),
    with every factor, its value, weight and sub-score, also written out in French in
    `raisonnement_ia`."""
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    out = await health.compute_health(services(request), caller, org_id, project_id)
    return json_response(out, status=201)


@routes.get(PROJECT + "/health")
@api(
    "The project's health history, newest first",
    tags=TAGS,
    query=ListQuery,
    response=Page[HealthOut],
    errors=[403],
)
async def list_health(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    query = parse_query(request, ListQuery)
    return json_response(
        await health.list_health(services(request), caller, org_id, project_id, query)
    )


@routes.get(PROJECT + "/risk-predictions")
@api(
    "Risk predictions of the project, newest first",
    tags=TAGS,
    query=PredictionQuery,
    response=Page[PredictionOut],
    errors=[403],
)
async def list_predictions(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    query = parse_query(request, PredictionQuery)
    page = await predictions.list_predictions(services(request), caller, org_id, project_id, query)
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
async def ingest_prediction(request: web.Request) -> web.Response:
    """Idempotent on (`workflow_execution_id`, `type_risque`) for the project: 201 when
    stored, 200 with the prediction already stored for that execution."""
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    req = await parse_body(request, PredictionCreate)
    out, created = await predictions.ingest(services(request), caller, org_id, project_id, req)
    return json_response(out, status=201 if created else 200)


@routes.get(PROJECT + "/drifts")
@api(
    "Drifts detected on the project, newest first",
    tags=TAGS,
    query=DriftQuery,
    response=Page[DriftOut],
    errors=[403],
)
async def list_drifts(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    query = parse_query(request, DriftQuery)
    return json_response(
        await drifts.list_drifts(services(request), caller, org_id, project_id, query)
    )


@routes.get(PROJECT + "/recommendations")
@api(
    "Actions recommended for the project's drifts, newest first",
    tags=TAGS,
    query=RecommendationQuery,
    response=Page[RecommendationOut],
    errors=[403],
)
async def list_recommendations(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    query = parse_query(request, RecommendationQuery)
    page = await drifts.list_recommendations(services(request), caller, org_id, project_id, query)
    return json_response(page)


@routes.patch(PROJECT + "/recommendations/{id}")
@api(
    "Accept, reject or complete a recommended action",
    tags=TAGS,
    body=RecommendationPatch,
    response=RecommendationOut,
    errors=[403, 409],
)
async def patch_recommendation(request: web.Request) -> web.Response:
    """PROPOSEE -> ACCEPTEE | REJETEE; ACCEPTEE -> REALISEE | REJETEE; others are 409."""
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    recommendation_id = path_uuid(request, "id")
    patch = await parse_body(request, RecommendationPatch)
    out = await drifts.update_recommendation(
        services(request), caller, org_id, project_id, recommendation_id, patch
    )
    return json_response(out)


@routes.get(INCIDENTS)
@api(
    "Incidents of the project, latest first",
    tags=INCIDENT_TAGS,
    query=IncidentQuery,
    response=Page[IncidentOut],
)
async def list_incidents(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    query = parse_query(request, IncidentQuery)
    page = await incidents.list_incidents(services(request), caller, org_id, project_id, query)
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
async def create_incident(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    req = await parse_body(request, IncidentCreate)
    out = await incidents.create_incident(services(request), caller, org_id, project_id, req)
    return json_response(out, status=201)


@routes.get(INCIDENTS + "/{id}")
@api("An incident", tags=INCIDENT_TAGS, response=IncidentOut)
async def get_incident(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    incident_id = path_uuid(request, "id")
    out = await incidents.get_incident(services(request), caller, org_id, project_id, incident_id)
    return json_response(out)


@routes.patch(INCIDENTS + "/{id}")
@api(
    "Update an incident", tags=INCIDENT_TAGS, body=IncidentPatch, response=IncidentOut, errors=[403]
)
async def patch_incident(request: web.Request) -> web.Response:
    """RESOLU or FERME stamps `date_resolution` (now unless given); OUVERT or EN_COURS
    clears it."""
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    incident_id = path_uuid(request, "id")
    patch = await parse_body(request, IncidentPatch)
    out = await incidents.update_incident(
        services(request), caller, org_id, project_id, incident_id, patch
    )
    return json_response(out)


@routes.delete(INCIDENTS + "/{id}")
@api("Delete an incident", tags=INCIDENT_TAGS, status=204, errors=[403])
async def delete_incident(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, project_id = path_uuid(request, "org"), path_uuid(request, "project")
    incident_id = path_uuid(request, "id")
    await incidents.delete_incident(services(request), caller, org_id, project_id, incident_id)
    return web.Response(status=204)
