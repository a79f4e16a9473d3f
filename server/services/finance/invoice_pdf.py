"""The visual PDF of an invoice (reportlab) made into a Factur-X PDF/A-3 (factur-x).

PDF/A wants every font embedded and an output intent: the text is set in Bitstream Vera,
the TrueType font reportlab ships (embedded as a subset), and an sRGB output intent
(the profile Pillow's littleCMS builds) is added before factur-x attaches the CII XML,
writes the XMP metadata and checks the XML against the EN 16931 XSD.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from io import BytesIO

import facturx
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .invoice_xml import InvoiceDocument, Party, cii_xml

FONT, BOLD = "Vera", "VeraBd"


@lru_cache(maxsize=1)
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _euros(value: Decimal) -> str:
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", "\u00a0") + f",{cents} €"


def _party_lines(party: Party) -> list[str]:
    lines = [party.name]
    if party.adresse:
        lines.append(party.adresse)
    place = " ".join(p for p in (party.code_postal, party.ville) if p)
    lines.append(f"{place} {party.pays}".strip())
    if party.numero_tva:
        lines.append(f"N° TVA : {party.numero_tva}")
    return lines


def _draw(doc: InvoiceDocument, siret: str) -> bytes:
    _fonts()
    out = BytesIO()
    # The initial font is Vera too: a default Helvetica would be an unembedded font.
    pdf = Canvas(out, pagesize=A4, pageCompression=1, invariant=1, initialFontName=FONT)
    pdf.setTitle(f"Facture {doc.numero}")
    pdf.setAuthor(doc.seller.name)
    height = A4[1]
    y = height - 25 * mm
    pdf.setFont(BOLD, 16)
    pdf.drawString(20 * mm, y, f"Facture {doc.numero}")
    pdf.setFont(FONT, 9)
    pdf.drawString(20 * mm, y - 6 * mm, f"Date : {doc.issued:%d/%m/%Y}")
    pdf.drawString(20 * mm, y - 11 * mm, f"Échéance : {doc.due:%d/%m/%Y}")
    y -= 25 * mm
    for x, title, party in ((20, "Émetteur", doc.seller), (110, "Client", doc.buyer)):
        pdf.setFont(BOLD, 9)
        pdf.drawString(x * mm, y, title)
        pdf.setFont(FONT, 9)
        for i, text in enumerate(_party_lines(party), start=1):
            pdf.drawString(x * mm, y - i * 4.5 * mm, text)
    pdf.drawString(20 * mm, y - 27 * mm, f"SIRET : {siret}")
    y -= 40 * mm
    pdf.setFont(BOLD, 9)
    pdf.drawString(20 * mm, y, "Désignation")
    pdf.drawRightString(138 * mm, y, "Quantité")
    pdf.drawRightString(163 * mm, y, "Prix unit. HT")
    pdf.drawRightString(190 * mm, y, "Total HT")
    pdf.setFont(FONT, 9)
    for line in doc.lines:
        y -= 6 * mm
        pdf.drawString(20 * mm, y, line.label[:60])
        pdf.drawRightString(138 * mm, y, f"{line.quantity:.2f}")
        pdf.drawRightString(163 * mm, y, _euros(line.unit_price))
        pdf.drawRightString(190 * mm, y, _euros(line.amount))
    y -= 12 * mm
    for label, value in (
        ("Total HT", doc.net_total),
        (f"TVA {doc.vat_rate:.2f} %", doc.vat_total),
        ("Total TTC", doc.grand_total),
    ):
        pdf.drawString(130 * mm, y, label)
        pdf.drawRightString(190 * mm, y, _euros(value))
        y -= 5 * mm
    y -= 8 * mm
    pdf.drawString(20 * mm, y, doc.payment_terms)
    pdf.drawString(
        20 * mm, y - 5 * mm, f"IBAN : {doc.iban}" + (f"   BIC : {doc.bic}" if doc.bic else "")
    )
    pdf.setFont(FONT, 7.5)
    y -= 14 * mm
    for note in doc.legal_notes:
        pdf.drawString(20 * mm, y, note)
        y -= 4 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _with_output_intent(plain: bytes) -> bytes:
    """The same PDF with an sRGB output intent (PDF/A's colour space for its RGB)."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(plain)))
    profile = StreamObject()
    profile.set_data(_srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def facturx_pdf(doc: InvoiceDocument, siret: str) -> bytes:
    """The Factur-X PDF/A-3 (EN 16931) of `doc`; raises if its XML fails the XSD."""
    xml = cii_xml(doc)
    plain = _with_output_intent(_draw(doc, siret))
    return bytes(
        facturx.generate_from_binary(
            plain,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            lang="fr-FR",
            pdf_metadata={
                "author": doc.seller.name,
                "keywords": "Factur-X, facture",
                "title": f"Facture {doc.numero}",
                "subject": f"Facture {doc.numero} de {doc.seller.name}",
            },
        )
    )
