"""A French firm's legal identifiers, checked the way the registries compute them.

SIREN (9 digits) and SIRET (14 digits: the SIREN and a 5-digit establishment number)
carry a Luhn check digit; a French VAT number is `FR`, a 2-character key and the SIREN;
an IBAN passes ISO 13616's mod-97 check; a BIC is 8 or 11 characters. Spaces are
accepted on input and dropped, letters are upper-cased: what is stored is the compact
form printed on invoices. docs/invoices.md.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints


def _compact(value: object) -> object:
    """Drop spaces and upper-case; anything but text is left for pydantic to refuse."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", value).upper()
    return value


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _siren(value: str) -> str:
    if not re.fullmatch(r"[0-9]{9}", value) or not luhn_ok(value):
        raise ValueError("a SIREN is 9 digits with a valid check digit (Luhn)")
    return value


def _siret(value: str) -> str:
    if not re.fullmatch(r"[0-9]{14}", value) or not luhn_ok(value):
        raise ValueError("a SIRET is 14 digits with a valid check digit (Luhn)")
    return value


def _fr_vat(value: str) -> str:
    """FR + key + SIREN; a numeric key must be (12 + 3 x (SIREN mod 97)) mod 97."""
    match = re.fullmatch(r"FR([0-9A-HJ-NP-Z]{2})([0-9]{9})", value)
    if match is None:
        raise ValueError("a French VAT number is FR, a 2-character key and the 9-digit SIREN")
    key, siren = match.groups()
    if key.isdigit() and int(key) != (12 + 3 * (int(siren) % 97)) % 97:
        raise ValueError("the key of this French VAT number does not match its SIREN")
    return value


def iban_ok(value: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", value):
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _iban(value: str) -> str:
    if not iban_ok(value):
        raise ValueError("not a valid IBAN (country, check digits, account; mod-97 check)")
    return value


def _text(pattern: str, max_length: int) -> object:
    return StringConstraints(min_length=1, max_length=max_length, pattern=pattern)


Siren = Annotated[str, BeforeValidator(_compact), _text(r"^.+$", 9), AfterValidator(_siren)]
Siret = Annotated[str, BeforeValidator(_compact), _text(r"^.+$", 14), AfterValidator(_siret)]
FrVatNumber = Annotated[str, BeforeValidator(_compact), _text(r"^.+$", 13), AfterValidator(_fr_vat)]
Iban = Annotated[str, BeforeValidator(_compact), _text(r"^.+$", 34), AfterValidator(_iban)]
Bic = Annotated[str, BeforeValidator(_compact), _text(r"^[A-Z0-9]{8}([A-Z0-9]{3})?$", 11)]
# ISO 3166-1 alpha-2, as EN 16931 wants the seller's and buyer's country.
CountryCode = Annotated[str, BeforeValidator(_compact), _text(r"^[A-Z]{2}$", 2)]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PostCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Any EU VAT number for a client: 2 letters then 2 to 13 characters (checked loosely: a
# foreign client's number follows its own country's rules).
VatNumber = Annotated[str, BeforeValidator(_compact), _text(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$", 15)]
