"""The CII XML (UN/CEFACT Cross Industry Invoice) of an invoice, profile EN 16931, as
Factur-X embeds it. Built from an `InvoiceDocument` whose required fields were checked
(server/services/finance/invoice_document.py); amounts are exact decimals at 2 places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
EN16931 = "urn:cen.eu:en16931:2017"
CURRENCY = "EUR"


@dataclass(frozen=True)
class Party:
    name: str
    adresse: str | None
    code_postal: str | None
    ville: str | None
    pays: str
    numero_tva: str | None
    siren: str | None = None


@dataclass(frozen=True)
class Line:
    label: str
    quantity: Decimal
    unit: str  # UN/ECE rec. 20: HUR (hour), C62 (one)
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    numero: str
    issued: date
    due: date
    seller: Party
    buyer: Party
    iban: str
    bic: str | None
    lines: list[Line]
    vat_rate: Decimal
    net_total: Decimal
    vat_total: Decimal
    grand_total: Decimal
    payment_terms: str
    legal_notes: list[str]


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    ns = {"ram": RAM, "rsm": RSM, "udt": UDT}[prefix]
    element = etree.SubElement(parent, f"{{{ns}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _day(parent: etree._Element, tag: str, day: date) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    if party.siren:
        # schemeID 0002: the SIRENE register (ISO 6523 ICD).
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.siren, schemeID="0002")
    address = _el(node, "ram:PostalTradeAddress")
    if party.code_postal:
        _el(address, "ram:PostcodeCode", party.code_postal)
    if party.adresse:
        _el(address, "ram:LineOne", party.adresse)
    if party.ville:
        _el(address, "ram:CityName", party.ville)
    _el(address, "ram:CountryID", party.pays)
    if party.numero_tva:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.numero_tva, schemeID="VA")


def _tax(
    parent: etree._Element, doc: InvoiceDocument, basis: Decimal, amount: Decimal | None
) -> None:
    tax = _el(parent, "ram:ApplicableTradeTax")
    if amount is not None:
        _el(tax, "ram:CalculatedAmount", _amount(amount))
    _el(tax, "ram:TypeCode", "VAT")
    exempt = doc.vat_rate == 0
    if exempt and amount is not None:
        _el(tax, "ram:ExemptionReason", "Exonération de TVA")
    if amount is not None:
        _el(tax, "ram:BasisAmount", _amount(basis))
    _el(tax, "ram:CategoryCode", "E" if exempt else "S")
    _el(tax, "ram:RateApplicablePercent", _amount(doc.vat_rate))


def _line(parent: etree._Element, doc: InvoiceDocument, index: int, line: Line) -> None:
    item = _el(parent, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.label)
    price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", f"{line.unit_price:f}")
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", f"{line.quantity:.2f}", unitCode=line.unit)
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, doc, line.amount, None)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line.amount))


def cii_xml(doc: InvoiceDocument) -> bytes:
    root = etree.Element(
        f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
    )
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.numero)
    _el(header, "ram:TypeCode", "380")  # commercial invoice
    _day(header, "ram:IssueDateTime", doc.issued)
    for note, subject in [(doc.payment_terms, "AAB"), *((n, "PMT") for n in doc.legal_notes)]:
        included = _el(header, "ram:IncludedNote")
        _el(included, "ram:Content", note)
        _el(included, "ram:SubjectCode", subject)
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(doc.lines, start=1):
        _line(trade, doc, index, line)
    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", doc.seller)
    _party(agreement, "ram:BuyerTradeParty", doc.buyer)
    _el(trade, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(trade, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", "58")  # SEPA credit transfer
    _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.iban)
    if doc.bic:
        _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", doc.bic)
    _tax(settlement, doc, doc.net_total, doc.vat_total)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", doc.payment_terms)
    _day(terms, "ram:DueDateDateTime", doc.due)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(doc.net_total))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(doc.net_total))
    _el(totals, "ram:TaxTotalAmount", _amount(doc.vat_total), currencyID=CURRENCY)
    _el(totals, "ram:GrandTotalAmount", _amount(doc.grand_total))
    _el(totals, "ram:DuePayableAmount", _amount(doc.grand_total))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
