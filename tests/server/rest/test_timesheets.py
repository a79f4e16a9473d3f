"""Weekly timesheets and the CSV export of time entries, over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from tests.factories import Client, add_member, expect
from tests.server.rest.projectkit import locs, make_project, org_url
from tests.server.rest.timekit import MONDAY, TODAY, day, make_firm

# Timesheets ------------------------------------------------------------------------------


def _week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


async def test_a_timesheet_sums_a_week_per_day_and_per_project(client: Client) -> None:
    firm = await make_firm(client)
    other = await make_project(client, firm.owner, firm.org, nom="Aaa refonte")
    a = await firm.log(firm.dev, day(0), 7.5)
    await firm.log(firm.dev, day(0), 0.25, projet_id=other["id"])
    b = await firm.log(firm.dev, day(2), 8)
    await firm.log(firm.dev, day(6), 1.1, projet_id=other["id"])  # Sunday
    await firm.log(firm.dev, day(7), 5)  # next Monday: another week
    await firm.log(firm.dev, day(-1), 5)  # the Sunday before
    await firm.log(firm.manager, day(1), 3)  # someone else
    await firm.decide(firm.manager, [a["id"]], "VALIDE")
    await firm.decide(firm.manager, [b["id"]], "REJETE")
    url = f"{org_url(firm.org)}/timesheets?week={_week(MONDAY)}"
    sheet = await expect(await client.get(url, headers=firm.dev.headers), 200)
    assert (sheet["profile_id"], sheet["week"]) == (str(firm.dev.id), _week(MONDAY))
    assert (sheet["date_debut"], sheet["date_fin"]) == (day(0), day(6))
    assert [(d["date"], d["heures"]) for d in sheet["days"]] == [
        (day(0), "7.75"),
        (day(1), "0.00"),
        (day(2), "8.00"),
        (day(3), "0.00"),
        (day(4), "0.00"),
        (day(5), "0.00"),
        (day(6), "1.10"),
    ]
    assert [(p["nom"], p["heures_par_jour"], p["total"]) for p in sheet["projects"]] == [
        ("Aaa refonte", ["0.25", "0.00", "0.00", "0.00", "0.00", "0.00", "1.10"], "1.35"),
        (firm.project["nom"], ["7.50", "0.00", "8.00", "0.00", "0.00", "0.00", "0.00"], "15.50"),
    ]
    assert sheet["total"] == "16.85"
    assert sheet["statuses"] == {"EN_ATTENTE": 2, "VALIDE": 1, "REJETE": 1}
    # Managers read anyone's week; a consultant only their own.
    theirs = await expect(
        await client.get(f"{url}&profile_id={firm.dev.id}", headers=firm.manager.headers), 200
    )
    assert theirs == sheet
    await expect(
        await client.get(f"{url}&profile_id={firm.manager.id}", headers=firm.dev.headers), 403
    )
    current = await expect(
        await client.get(f"{org_url(firm.org)}/timesheets", headers=firm.dev.headers), 200
    )
    assert current["week"] == _week(TODAY)
    for bad in ["2026-48", "2026-W54", "2026-W00", "2026-W1"]:
        resp = await client.get(
            f"{org_url(firm.org)}/timesheets?week={bad}", headers=firm.dev.headers
        )
        assert locs(await expect(resp, 422)) == {"query.week"}, bad


# CSV export ------------------------------------------------------------------------------


async def test_the_csv_export_is_rfc_4180_filtered_scoped_and_safe(client: Client) -> None:
    firm = await make_firm(client)
    tricky = 'Atelier "cadrage", puis\nrestitution'
    a = await firm.log(firm.dev, day(0), 7.5, description=tricky)
    b = await firm.log(firm.dev, day(1), 1, description='=HYPERLINK("http://x")')
    c = await firm.log(firm.dev, day(2), 2, description="-2+3")
    await firm.log(firm.manager, day(0), 4, description="@SUM(A1)")
    resp = await client.get(f"{org_url(firm.org)}/time-entries.csv", headers=firm.dev.headers)
    assert resp.status == 200
    assert resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = await resp.text()
    assert raw.count("\r\n") >= 4
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert [r["id"] for r in rows] == [a["id"], b["id"], c["id"]]  # own entries, oldest first
    assert rows[0]["description"] == tricky
    assert rows[0]["heures_travaillees"] == "7.50"
    assert rows[0]["validation_statut"] == "EN_ATTENTE"
    assert rows[0]["tache_id"] == ""
    assert rows[1]["description"] == '\'=HYPERLINK("http://x")'
    assert rows[2]["description"] == "'-2+3"
    header = raw.split("\r\n", 1)[0].split(",")
    assert header[:6] == ["id", "date", "profile_id", "projet_id", "tache_id", "heures_travaillees"]
    everyone = await client.get(
        f"{org_url(firm.org)}/time-entries.csv?from={day(0)}&to={day(0)}",
        headers=firm.manager.headers,
    )
    rows = list(csv.DictReader(io.StringIO(await everyone.text(), newline="")))
    assert sorted(r["description"] for r in rows) == sorted([tricky, "'@SUM(A1)"])
    await expect(
        await client.get(
            f"{org_url(firm.org)}/time-entries.csv?profile_id={firm.manager.id}",
            headers=firm.dev.headers,
        ),
        403,
    )
    contact = await add_member(client, firm.owner, firm.org["id"], "CLIENT")
    await expect(
        await client.get(f"{org_url(firm.org)}/time-entries.csv", headers=contact.headers), 403
    )
    await expect(
        await client.get(f"{org_url(firm.org)}/time-entries.csv?limit=3", headers=firm.dev.headers),
        422,
    )


async def test_a_large_csv_export_streams_every_entry(client: Client, monkeypatch: Any) -> None:
    from server.services.time import time_entries

    monkeypatch.setattr(time_entries, "EXPORT_BATCH", 3)  # several batches, few rows
    firm = await make_firm(client)
    made = [await firm.log(firm.dev, day(i % 7), 1) for i in range(8)]
    resp = await client.get(f"{org_url(firm.org)}/time-entries.csv", headers=firm.dev.headers)
    rows = list(csv.DictReader(io.StringIO(await resp.text(), newline="")))
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in made)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
