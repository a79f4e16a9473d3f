"""Invoices as documents: the firm's legal details, the Factur-X PDF/A-3 (EN 16931) and
gapless numbering (docs/invoices.md)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from io import BytesIO
from typing import Any

import facturx
from lxml import etree
from pypdf import PdfReader

from tests.factories import Client, User, create_org, expect, register
from tests.server.rest.financekit import consultant, day, decide, invoice, log_time
from tests.server.rest.projectkit import locs, make_client, make_project, org_url

LEGAL = {
    "siren": "732 829 320",
    "siret": "73282932000074",
    "numero_tva": "FR44732829320",
    "adresse": "1 rue de la Paix",
    "code_postal": "75002",
    "ville": "Paris",
    "pays": "FR",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "BNPAFRPP",
}
BUYER = {
    "adresse": "5 quai des Chartrons",
    "code_postal": "33000",
    "ville": "Bordeaux",
    "pays": "FR",
    "numero_tva": "FR40303265045",
}
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


async def _firm(client: Client, *, legal: bool = True) -> tuple[User, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    if legal:
        resp = await client.patch(org_url(org), json=LEGAL, headers=owner.headers)
        await expect(resp, 200)
    customer = await make_client(client, owner, org, **(BUYER if legal else {}))
    project = await make_project(client, owner, org, customer=customer)
    return owner, org, project


async def _pdf(client: Client, user: User, org: Any, invoice_id: str, status: int = 200) -> Any:
    resp = await client.get(f"{org_url(org)}/invoices/{invoice_id}.pdf", headers=user.headers)
    if status != 200:
        return await expect(resp, status)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/pdf"
    return await resp.read()


def _total(xml: etree._Element, name: str) -> str:
    found = xml.find(f".//{RAM}SpecifiedTradeSettlementHeaderMonetarySummation/{RAM}{name}")
    assert found is not None, name
    return str(found.text)


async def test_pdf_is_factur_x_en16931_whose_xml_passes_the_xsd_and_matches_the_invoice(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _firm(client)
    made = await invoice(
        client,
        owner,
        org,
        project,
        montant="1234.56",
        taux_tva="20",
        date_facturation="2026-11-02",
    )
    assert (made["numero"], made["taux_tva"]) == ("F-000001", "20.00")
    pdf = await _pdf(client, owner, org, made["id"])
    assert pdf.startswith(b"%PDF-")
    assert b"/GTS_PDFA1" in pdf  # the sRGB output intent PDF/A asks for
    # PDF/A embeds every font: Vera as a subset, and no default Helvetica left over.
    assert b"BitstreamVeraSans" in pdf and b"Helvetica" not in pdf
    xmp = PdfReader(BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp  # declared PDF/A-3
    filename, xml_bytes = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml_bytes, flavor="factur-x", level="en16931")
    xml = etree.fromstring(xml_bytes)
    assert facturx.get_level(xml) == "en16931"
    assert xml.findtext(f".//{RAM}ID") == "urn:cen.eu:en16931:2017"
    # 1234.56 x 20 % = 246.912, rounded half-up once: 246.91; total 1481.47.
    assert _total(xml, "TaxBasisTotalAmount") == "1234.56"
    assert _total(xml, "TaxTotalAmount") == "246.91"
    assert _total(xml, "GrandTotalAmount") == "1481.47"
    assert _total(xml, "DuePayableAmount") == "1481.47"
    text = xml_bytes.decode()
    for expected in ("F-000001", "73282932000074"[:9], "FR44732829320", "FR40303265045"):
        assert expected in text
    assert "FR7630006000011234567890189" in text
    assert "L441-10" in text and "40 €" in text  # the late-payment mention French law wants


async def test_pdf_of_an_invoice_lacking_legal_details_is_a_422_naming_each(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _firm(client, legal=False)
    made = await invoice(client, owner, org, project, montant="10", date_facturation="2026-11-02")
    problem = await _pdf(client, owner, org, made["id"], 422)
    assert {
        "organization.siret",
        "organization.numero_tva",
        "organization.iban",
        "organization.adresse",
        "client.pays",
        "client.ville",
    } <= locs(problem)
    # Filled in through the organization's PATCH and the client's, the document renders.
    await expect(await client.patch(org_url(org), json=LEGAL, headers=owner.headers), 200)
    url = f"{org_url(org)}/clients/{project['client_id']}"
    await expect(await client.patch(url, json=BUYER, headers=owner.headers), 200)
    assert (await _pdf(client, owner, org, made["id"])).startswith(b"%PDF-")


async def test_org_patch_checks_siren_siret_vat_and_iban(client: Client, database_url: str) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    bad = {
        "siren": "732829321",  # Luhn fails
        "siret": "73282932000075",
        "numero_tva": "FR45732829320",  # key does not match the SIREN
        "iban": "FR7630006000011234567890188",  # mod-97 fails
        "bic": "BNP",
    }
    for name, value in bad.items():
        resp = await client.patch(org_url(org), json={name: value}, headers=owner.headers)
        assert locs(await expect(resp, 422)) == {f"body.{name}"}, name
    resp = await client.patch(
        org_url(org), json={"siren": "732829320", "siret": "40303265000000"}, headers=owner.headers
    )
    assert locs(await expect(resp, 422)) == {"body.siret"}  # a SIRET of another SIREN
    saved = await expect(await client.patch(org_url(org), json=LEGAL, headers=owner.headers), 200)
    assert (saved["siren"], saved["iban"]) == ("732829320", "FR7630006000011234567890189")
    other = {"siret": "40303265000000"}  # against the SIREN already stored
    resp = await client.patch(org_url(org), json=other, headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"body.siret"}
    cleared = await expect(
        await client.patch(org_url(org), json={"iban": None}, headers=owner.headers), 200
    )
    assert cleared["iban"] is None


async def test_numbers_are_gapless_and_unique_under_concurrent_creation(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _firm(client)
    body = {"projet_id": project["id"], "montant": "10", "date_facturation": "2026-11-02"}
    url = f"{org_url(org)}/invoices"

    async def create() -> str:
        resp = await client.post(url, json=body, headers=owner.headers)
        return str((await expect(resp, 201))["numero"])

    numbers = await asyncio.gather(*(create() for _ in range(12)))
    assert sorted(numbers) == [f"F-{n:06d}" for n in range(1, 13)]


async def test_only_the_newest_numbered_invoice_is_deleted_and_its_number_reused(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _firm(client)
    first = await invoice(client, owner, org, project, montant="1", date_facturation="2026-11-02")
    second = await invoice(client, owner, org, project, montant="2", date_facturation="2026-11-02")
    url = f"{org_url(org)}/invoices"
    await expect(await client.delete(f"{url}/{first['id']}", headers=owner.headers), 409)
    resp = await client.patch(f"{url}/{first['id']}", json={"numero": "X"}, headers=owner.headers)
    await expect(resp, 409)
    await expect(await client.delete(f"{url}/{second['id']}", headers=owner.headers), 204)
    third = await invoice(client, owner, org, project, montant="3", date_facturation="2026-11-02")
    assert (first["numero"], third["numero"]) == ("F-000001", "F-000002")
    # A number the client chose is kept as given and takes nothing from the counter.
    chosen = await invoice(
        client, owner, org, project, numero="IMPORT-7", montant="4", date_facturation="2026-11-02"
    )
    assert chosen["numero"] == "IMPORT-7"
    fourth = await invoice(client, owner, org, project, montant="5", date_facturation="2026-11-02")
    assert fourth["numero"] == "F-000003"
    assert Decimal(fourth["taux_tva"]) == Decimal("20")


async def test_an_invoice_of_a_period_bills_its_validated_time_line_by_person(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _firm(client)
    alice = await consultant(client, owner, org, cost="400", sale="750")
    bob = await consultant(client, owner, org, cost="300", sale=None)
    validated = [
        await log_time(client, owner, org, project, alice, "7.5", -3),
        await log_time(client, owner, org, project, alice, "3", -2),
    ]
    await decide(client, owner, org, validated, "VALIDE")
    await log_time(client, owner, org, project, alice, "8", -1)  # pending: not billed
    outside = await log_time(client, owner, org, project, alice, "8", -30)
    await decide(client, owner, org, [outside], "VALIDE")
    body = {
        "projet_id": project["id"],
        "date_facturation": day(0),
        "periode_debut": day(-7),
        "periode_fin": day(0),
    }
    url = f"{org_url(org)}/invoices"
    made = await expect(await client.post(url, json=body, headers=owner.headers), 201)
    # 10.5 h at 750 / 8 = 93.75 an hour: 984.375, half-up 984.38.
    assert (made["montant"], made["periode_debut"]) == ("984.38", day(-7))
    xml = etree.fromstring(facturx.get_xml_from_pdf(await _pdf(client, owner, org, made["id"]))[1])
    assert facturx.xml_check_xsd(etree.tostring(xml), flavor="factur-x", level="en16931")
    quantities = [q.text for q in xml.iter(f"{RAM}BilledQuantity")]
    assert quantities == ["10.50"]
    assert [p.text for p in xml.iter(f"{RAM}ChargeAmount")] == ["93.7500"]
    assert _total(xml, "LineTotalAmount") == "984.38"
    assert _total(xml, "GrandTotalAmount") == "1181.26"  # + 196.876 -> 196.88 VAT
    # Validated time of someone without a sale rate cannot be priced: a 422 naming them.
    late = await log_time(client, owner, org, project, bob, "2", -1)
    await decide(client, owner, org, [late], "VALIDE")
    problem = await expect(await client.post(url, json=body, headers=owner.headers), 422)
    assert locs(problem) == {f"time.{bob.id}"}
    # The invoice's amount no longer matches the period's time: the PDF says so.
    problem = await _pdf(client, owner, org, made["id"], 422)
    assert locs(problem) == {f"time.{bob.id}"}


async def test_an_invoice_needs_an_amount_or_a_period(client: Client, database_url: str) -> None:
    owner, org, project = await _firm(client)
    url = f"{org_url(org)}/invoices"
    body = {"projet_id": project["id"], "date_facturation": "2026-11-02"}
    await expect(await client.post(url, json=body, headers=owner.headers), 422)
    empty = {**body, "periode_debut": "2026-10-01", "periode_fin": "2026-10-31"}
    problem = await expect(await client.post(url, json=empty, headers=owner.headers), 422)
    assert locs(problem) == {"body.periode_debut"}
