"""Which identifiers sign a person in, and finding the account behind one.

The site chooses with ``LOGIN_IDENTIFIERS`` (email, phone, national_id,
username). An account may carry several; each one leads to one account only.
"""

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions

from apps.client_portal.core import validators

EMAIL, PHONE, NATIONAL_ID, USERNAME = "email", "phone", "national_id", "username"
LABELS = {
    EMAIL: _("Email"),
    PHONE: _("phone number"),
    NATIONAL_ID: _("national ID"),
    USERNAME: _("login"),
}


def enabled() -> list[str]:
    names = [n for n in getattr(settings, "LOGIN_IDENTIFIERS", [EMAIL]) if n in LABELS]
    return names or [EMAIL]


def field_label() -> str:
    names = enabled()
    parts = [str(LABELS[n]) for n in names]
    parts[0] = parts[0][:1].upper() + parts[0][1:]
    if len(parts) == 1:
        return parts[0]
    return str(_("%(first)s or %(last)s")) % {
        "first": ", ".join(parts[:-1]), "last": parts[-1]
    }


def _as_email(value: str):
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value


def _as_phone(value: str):
    digits = value.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if not digits.startswith(("+", "00")):
        return None
    try:
        return validators.normalize_phone(digits.replace("00", "+", 1) if digits.startswith("00")
                                          else digits)
    except ValidationError:
        return None


def _national_id_matches(value: str):
    """(country, compact) pairs ``value`` is a valid national ID of."""
    compact = "".join(ch for ch in value if ch.isalnum())
    if not compact.isdigit():
        return []
    found = []
    for country, (module, _label) in validators.PERSON_IDS.items():
        try:
            found.append((country, module.validate(compact)))
        except stdnum_exceptions.ValidationError:
            continue
    return found


def resolve(login: str):
    """The active account ``login`` names under the site's identifiers, or None."""
    login = (login or "").strip()
    if not login or len(login) > 254:
        return None
    User = get_user_model()
    users = User._default_manager.filter(is_active=True)
    names = enabled()
    if EMAIL in names and (email := _as_email(login)):
        return users.filter(email__iexact=email).first()
    if PHONE in names and (phone := _as_phone(login)):
        found = list(users.filter(phone=phone)[:2])
        return found[0] if len(found) == 1 else None
    if NATIONAL_ID in names:
        matches = _national_id_matches(login)
        if matches:
            from django.db.models import Q

            condition = Q()
            for country, compact in matches:
                condition |= Q(national_id_country=country, national_id=compact)
            found = list(users.filter(condition)[:2])
            if len(found) == 1:
                return found[0]
    if USERNAME in names:
        return users.filter(username__iexact=login).first()
    return None


def counter_key(login: str) -> str:
    """What failures count against: the account if one is found, else the text typed.

    Counting per account means trying its email, phone and national ID in turn
    does not buy more guesses.
    """
    user = resolve(login)
    if user is not None:
        # The email is the account's name everywhere else (admin login, axes reset).
        return user.email.lower()
    return (login or "").strip().lower()[:200]


def looks_like_phone(value: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False
