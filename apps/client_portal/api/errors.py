"""One error shape for every API failure:

``{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}``
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.client_portal.core.errors import Refused


def _first_code(detail):
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())))
    return getattr(detail, "code", None)


def refusal_response(refusal: Refused) -> Response:
    body = {"code": refusal.code, "message": str(refusal.message)}
    if refusal.fields:
        body["fields"] = refusal.fields
    return Response({"error": body}, status=refusal.status)


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        return refusal_response(exc)
    if isinstance(exc, DjangoValidationError):
        return refusal_response(Refused.from_validation_error(exc))
    if isinstance(exc, exceptions.ParseError):
        # Unreadable JSON is invalid input like any other: same code, same shape.
        exc = exceptions.ValidationError({"non_field_errors": [str(exc.detail)]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"code": getattr(exc, "default_code", "error"), "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["message"] = _("The request has invalid fields.")
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["fields"] = detail
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        body["code"] = _first_code(detail) or body["code"]
        body["message"] = str(detail if not isinstance(detail, (list, dict)) else detail)
    response.data = {"error": body}
    return response
