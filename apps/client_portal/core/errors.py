"""The one exception of the operations layer: a refusal with a code.

Every door turns it into the same answer: the portal renders a page (or the
form again, with the field errors), the API answers the error shape of
``api/errors.py``. The message is written for the person who asked; the code
is stable, for programs.

    raise Refused(_("Your role does not allow this."), code="forbidden")
    raise Refused(_("Check the fields below."), code="invalid", fields={"serial": [...]})
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The HTTP status each kind of refusal answers with, in the portal and the API.
STATUS = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "not_allowed": 409,  # not in the record's present state
    "conflict": 409,
    "too_large": 413,
    "throttled": 429,
    "unavailable": 503,
}

DEFAULT_MESSAGES = {
    "invalid": _("Some fields need attention."),
    "forbidden": _("Your role does not allow this."),
    "not_found": _("Not found."),
    "not_allowed": _("This cannot be done in the record's present state."),
}


class Refused(Exception):
    """An operation that was not carried out; nothing of it was kept.

    ``code`` names the reason; ``status`` is the HTTP status for it (from
    ``STATUS`` unless given); ``fields`` maps field names to lists of messages
    for input that failed validation.
    """

    def __init__(self, message=None, *, code: str = "invalid", fields: dict | None = None,
                 status: int | None = None, params: dict | None = None):
        message = message if message is not None else DEFAULT_MESSAGES.get(code, code)
        if params:
            message = message % params
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.status = status or STATUS.get(code, 400)

    def __str__(self):
        return str(self.message)

    @classmethod
    def from_validation_error(cls, exc, *, code: str = "invalid") -> Refused:
        """A Django ``ValidationError`` as a refusal: field errors by field, codes kept."""
        if hasattr(exc, "error_dict"):
            fields = {name: [str(m) for e in errors for m in e.messages]
                      for name, errors in exc.error_dict.items()}
            first = next((e for errors in exc.error_dict.values() for e in errors), None)
            inner = getattr(first, "code", None)
            return cls(DEFAULT_MESSAGES["invalid"], code=inner or code, fields=fields,
                       status=STATUS["invalid"])
        errors = exc.error_list
        inner = next((e.code for e in errors if e.code), None)
        return cls(" ".join(str(m) for m in exc.messages), code=inner or code,
                   status=STATUS["invalid"])


def not_found() -> Refused:
    return Refused(code="not_found")
