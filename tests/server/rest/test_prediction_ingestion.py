"""External predictions (an n8n workflow's) under repeated and concurrent delivery, and
their evaluation once their horizon has passed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from server.keys import SERVICES
from server.services.analytics.analytics_job import run_round
from tests.factories import Client, create_org, expect, register
from tests.server.rest.financekit import get, worked_example
from tests.server.rest.projectkit import make_project, org_url


def _body(execution: str, kind: str = "DELAI", **fields: Any) -> dict[str, Any]:
    return {
        "type_risque": kind,
        "probabilite_pct": "61.5",
        "confidence": "0.7",
        "horizon_jours": 30,
        "workflow_execution_id": execution,
        **fields,
    }


async def test_concurrent_deliveries_of_one_prediction_store_it_once(client: Client) -> None:
    """A workflow retrying while its first delivery is still in flight: one row, and
    every delivery answers it (one 201, the others 200)."""
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org)
    url = f"{org_url(org)}/projects/{project['id']}/risk-predictions"
    deliveries = 8
    # Open as many kept-alive connections first, so that no delivery gets a head start
    # while the others are still connecting.
    warm = await asyncio.gather(
        *(client.get("/api/v1/me", headers=owner.headers) for _ in range(deliveries))
    )
    for resp in warm:
        await expect(resp, 200)
    responses = await asyncio.gather(
        *(
            client.post(url, json=_body("exec-retry"), headers=owner.headers)
            for _ in range(deliveries)
        )
    )
    statuses = sorted(r.status for r in responses)
    bodies = [await r.json() for r in responses]
    assert statuses == [200] * (deliveries - 1) + [201]
    assert len({b["id"] for b in bodies}) == 1
    assert len((await get(client, owner, url))["items"]) == 1
    # The same execution names a distinct prediction on another project.
    other = await make_project(client, owner, org)
    other_url = f"{org_url(org)}/projects/{other['id']}/risk-predictions"
    moved = await client.post(other_url, json=_body("exec-retry"), headers=owner.headers)
    assert (await expect(moved, 201))["id"] != bodies[0]["id"]


async def test_a_prediction_is_evaluated_once_when_its_horizon_has_passed(
    client: Client,
) -> None:
    """What happened by the horizon is recorded then, and later rounds leave it alone
    even when the project changes afterwards."""
    ex = await worked_example(client)
    url = f"{ex.url}/risk-predictions"
    made = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    body = _body("exec-quality", "QUALITE", date_prediction=made)
    posted = await expect(await client.post(url, json=body, headers=ex.owner.headers), 201)
    services = client.app[SERVICES]

    async def stored() -> Any:
        items = (await get(client, ex.owner, f"{url}?type_risque=QUALITE&limit=200"))["items"]
        return next(p for p in items if p["id"] == posted["id"])

    await run_round(services)
    first = await stored()
    # Only a MOYENNE incident is open and no deliverable was rejected: it did not happen.
    assert first["realise"] is False and first["date_evaluation"] is not None
    incident = {"titre": "Panne générale", "severite": "CRITIQUE"}
    resp = await client.post(f"{ex.url}/incidents", json=incident, headers=ex.owner.headers)
    await expect(resp, 201)
    await run_round(services)
    assert await stored() == first
