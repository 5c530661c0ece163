"""A generic HTTP SMS provider: JSON POST with an API key header.

``POST SMS_HTTP_URL`` with ``{"to": "+40...", "text": "...", "sender": "..."}``
and the header ``SMS_HTTP_KEY_HEADER: SMS_HTTP_API_KEY``; the provider answers
2xx with ``{"id": "..."}``, or 4xx/5xx with ``{"error": "..."}``.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from apps.client_portal.core.errors import Refused

from .backends import BaseBackend


class HttpBackend(BaseBackend):
    def send(self, phone, text):
        url = settings.SMS_HTTP_URL
        if not url:
            raise Refused(_("The SMS provider is not configured."), code="not_configured",
                          status=503)
        body = json.dumps({"to": phone, "text": text, "sender": settings.SMS_SENDER}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            url, data=body, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     settings.SMS_HTTP_KEY_HEADER: settings.SMS_HTTP_API_KEY},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read() or b"{}").get("error", "")
            except ValueError:
                reason = ""
            raise Refused(
                _("The SMS provider refused the message (%(status)s %(reason)s).")
                % {"status": exc.code, "reason": reason}, code="refused", status=503,
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise Refused(_("The SMS provider could not be reached."),
                          code="unreachable", status=503) from exc
        return str(answer.get("id", ""))
