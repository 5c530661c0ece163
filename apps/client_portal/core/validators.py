"""Validation of identifiers by country, with python-stdnum and phonenumbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.bg import egn as bg_egn
from stdnum.bg import vat as bg_eik
from stdnum.eu import vat as eu_vat
from stdnum.md import idno as md_idno
from stdnum.pl import pesel as pl_pesel
from stdnum.pl import regon as pl_regon
from stdnum.ro import cnp as ro_cnp
from stdnum.ro import cui as ro_cui
from stdnum.ua import edrpou as ua_edrpou
from stdnum.ua import rntrc as ua_rntrc

# Countries the product knows by name; others are accepted without checks.
COUNTRIES = [
    ("RO", _("Romania")),
    ("MD", _("Moldova")),
    ("BG", _("Bulgaria")),
    ("PL", _("Poland")),
    ("UA", _("Ukraine")),
    ("GB", _("United Kingdom")),
    ("DE", _("Germany")),
]

COMPANY_IDS = {
    "RO": (ro_cui, _("CUI")),
    "PL": (pl_regon, _("REGON")),
    "BG": (bg_eik, _("EIK/BULSTAT")),
    "UA": (ua_edrpou, _("EDRPOU")),
    "MD": (md_idno, _("IDNO")),
}
PERSON_IDS = {
    "RO": (ro_cnp, _("CNP")),
    "PL": (pl_pesel, _("PESEL")),
    "BG": (bg_egn, _("EGN")),
    "UA": (ua_rntrc, _("RNOKPP")),
    "MD": (md_idno, _("IDNP")),
}
VAT_COUNTRIES = {"RO", "PL", "BG", "DE"}


def _check(module, value: str, label, code: str) -> str:
    try:
        return module.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("%(value)s is not a valid %(label)s."),
            code=code,
            params={"value": value, "label": label},
        ) from exc


def validate_company_id(country: str, value: str) -> str:
    """Return the compact form of a company registration number, or raise."""
    if country not in COMPANY_IDS or not value:
        return value
    module, label = COMPANY_IDS[country]
    return _check(module, value, label, "invalid_company_id")


def validate_national_id(country: str, value: str) -> str:
    """Return the compact form of a person's national ID, or raise."""
    if country not in PERSON_IDS or not value:
        return value
    module, label = PERSON_IDS[country]
    return _check(module, value, label, "invalid_national_id")


def validate_vat(country: str, value: str) -> str:
    if not value or country not in VAT_COUNTRIES:
        return value
    compact = value if value[:2].isalpha() else f"{country}{value}"
    return _check(eu_vat, compact, _("VAT number"), "invalid_vat")


def normalize_phone(value: str, country: str | None = None) -> str:
    """Return the phone in E.164 form, or raise ValidationError."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("%(value)s is not a phone number."), code="invalid_phone", params={"value": value}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number."),
            code="invalid_phone",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
