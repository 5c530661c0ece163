"""Sending text messages: one interface, a backend chosen by ``SMS_BACKEND``.

``send_sms(phone, text)`` normalizes the number, applies the per-phone and
per-IP rate limits, and hands the message to the configured backend:

- ``...sms.backends.ConsoleBackend``  writes to stdout (development)
- ``...sms.backends.FileBackend``     appends JSON lines to ``SMS_FILE_PATH``
- ``...sms.backends.LocmemBackend``   keeps messages in ``sms.outbox`` (tests)
- ``...sms.http.HttpBackend``         posts JSON to a provider (``SMS_HTTP_URL``)
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.context import client_ip, current_request
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.validators import normalize_phone

from .. import throttle

outbox: list = []


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str, *, request=None) -> str:
    """Send ``text`` to ``phone``; returns the provider's message id.

    Raises ``Refused`` when the message was not sent; its message is safe to show
    staff or the client.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise Refused(_("%(phone)s is not a valid phone number.") % {"phone": phone},
                      code="invalid_phone") from exc
    if not phone:
        raise Refused(_("There is no phone number on file."), code="no_phone")
    window = settings.SMS_RATE_WINDOW
    if not throttle.consume("sms-phone", phone, settings.SMS_RATE_PER_PHONE, window):
        raise Refused(_("Too many messages to this phone number; try again later."),
                      code="rate_limited", status=429)
    request = request or current_request.get()
    ip = client_ip(request)
    if ip and not throttle.consume("sms-ip", ip, settings.SMS_RATE_PER_IP, window):
        raise Refused(_("Too many messages from your address; try again later."),
                      code="rate_limited", status=429)
    return get_backend().send(phone, text)
