"""National identifiers of debtors: IDNP (persons) and IDNO (companies), Republic of Moldova.

IDNO is checked by python-stdnum (``stdnum.md.idno``). The IDNP (personal
identification number, issued by the Public Services Agency) has the same
shape: 13 digits of which the last is a check digit, the sum of the first
twelve weighted 7, 3, 1, 7, 3, 1, ... modulo 10. stdnum has no IDNP module,
so it is written here.

Both return the compact form (separators and spaces removed) or raise
``django.core.exceptions.ValidationError``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.md import idno as md_idno

WEIGHTS = (7, 3, 1) * 4


def compact(value) -> str:
    return "".join(str(value or "").split()).replace("-", "").replace(".", "")


def idnp_check_digit(first_twelve: str) -> str:
    """The 13th digit of an IDNP whose first twelve digits are ``first_twelve``."""
    return str(sum(w * int(d) for w, d in zip(WEIGHTS, first_twelve, strict=True)) % 10)


def validate_idnp(value) -> str:
    number = compact(value)
    if not number.isascii() or not number.isdigit():
        raise ValidationError(_("An IDNP has digits only."), code="idnp_format")
    if len(number) != 13:
        raise ValidationError(_("An IDNP has 13 digits."), code="idnp_length")
    if number[-1] != idnp_check_digit(number[:12]):
        raise ValidationError(_("This IDNP's check digit is wrong."), code="idnp_checksum")
    return number


def validate_idno(value) -> str:
    number = compact(value)
    try:
        return md_idno.validate(number)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(_("This IDNO's check digit is wrong."),
                              code="idno_checksum") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("An IDNO has 13 digits."), code="idno_format") from exc


def validate_ssn(value) -> str:
    """A Metro 2 file's Social Security Number field: 9 digits (kept as the file gives it)."""
    number = compact(value)
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        raise ValidationError(_("A social security number has 9 digits."), code="ssn_format")
    return number


VALIDATORS = {"idnp": validate_idnp, "idno": validate_idno, "ssn": validate_ssn}


def validate(kind: str, value) -> str:
    return VALIDATORS[kind](value)
