"""A redirect-style gateway speaking the protocol of Przelewy24 (REST API v1).

The protocol, with P24's own field names:

1. **Register** (server to server): ``POST {base}/api/v1/transaction/register``,
   HTTP Basic ``posId:apiKey``, JSON ``merchantId, posId, sessionId, amount,
   currency, description, email, country, language, urlReturn, urlStatus, sign``
   where ``amount`` is in minor units and ``sign`` is the hex SHA-384 of the
   compact JSON ``{"sessionId","merchantId","amount","currency","crc"}``.
   The answer is ``{"data": {"token": ...}, "responseCode": 0}``.
2. **Redirect** the customer to ``{base}/trnRequest/{token}``.
3. **Notification** (gateway to ``urlStatus``, on success only): JSON
   ``merchantId, posId, sessionId, amount, originAmount, currency, orderId,
   methodId, statement, sign`` with ``sign`` = SHA-384 of the compact JSON
   ``{"merchantId","posId","sessionId","amount","originAmount","currency",
   "orderId","methodId","statement","crc"}``.
4. **Verify** (server to server): ``PUT {base}/api/v1/transaction/verify`` with
   ``merchantId, posId, sessionId, amount, currency, orderId, sign`` where
   ``sign`` = SHA-384 of ``{"sessionId","orderId","amount","currency","crc"}``;
   the gateway books the money only after this call and answers
   ``{"data": {"status": "success"}, "responseCode": 0}``.

P24 sends nothing when the customer cancels or the payment is declined; the
portal's return page then waits a bounded time and says what to do. The fake
gateway (``fake_server.py``) does report them, as a **status notification**
(its own extension, in the same style): JSON ``merchantId, posId, sessionId,
amount, currency, status, sign`` with ``status`` "cancelled" or "failed" and
``sign`` = SHA-384 of ``{"merchantId","posId","sessionId","amount","currency",
"status","crc"}``. Such a notification can only close an open attempt.

The ``crc`` is the shared secret; it is never sent, only signed over. The
customer coming back to ``urlReturn`` proves nothing: only a notification with
a good sign, then a successful verify, marks a payment as made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.utils.translation import gettext_lazy as _

from .base import (
    BadSignature,
    Gateway,
    GatewayError,
    GatewayNotConfigured,
    Notification,
    compact_json,
    from_minor_units,
    origin_of,
    to_minor_units,
)

REGISTER_SIGN_FIELDS = ("sessionId", "merchantId", "amount", "currency", "crc")
NOTIFICATION_SIGN_FIELDS = ("merchantId", "posId", "sessionId", "amount", "originAmount",
                            "currency", "orderId", "methodId", "statement", "crc")
VERIFY_SIGN_FIELDS = ("sessionId", "orderId", "amount", "currency", "crc")
NOTIFICATION_FIELDS = NOTIFICATION_SIGN_FIELDS[:-1] + ("sign",)
STATUS_SIGN_FIELDS = ("merchantId", "posId", "sessionId", "amount", "currency", "status", "crc")
STATUS_FIELDS = STATUS_SIGN_FIELDS[:-1] + ("sign",)
CLOSING_STATUSES = {"cancelled": Notification.CANCELLED, "failed": Notification.FAILED}


def sign(values: dict, fields: tuple[str, ...], crc: str) -> str:
    """Hex SHA-384 of the compact JSON of ``fields`` (in that order), crc included."""
    payload = {name: (crc if name == "crc" else values[name]) for name in fields}
    return hashlib.sha384(compact_json(payload).encode("utf-8")).hexdigest()


def http_json(method: str, url: str, body: dict, *, auth: tuple[str, str], timeout=15) -> dict:
    """One JSON call with HTTP Basic authentication; ``GatewayError`` on anything odd."""
    if not url.startswith(("https://", "http://")):
        raise GatewayError(f"not an http(s) URL: {url}")
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Authorization": "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode(),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"{method} {url} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GatewayError(f"{method} {url} failed: {exc}") from exc


class RedirectGateway(Gateway):
    label = _("Online bank transfer or card")
    required_options = ("MERCHANT_ID", "POS_ID", "CRC", "API_KEY")

    def __init__(self, name, options):
        super().__init__(name, options)
        if options.get("LABEL"):
            self.label = options["LABEL"]
        if not options.get("BASE_URL") and not options.get("FAKE"):
            raise GatewayNotConfigured(f"payment gateway {name!r} needs BASE_URL")
        self.merchant_id = int(options["MERCHANT_ID"])
        self.pos_id = int(options["POS_ID"])
        self.crc = str(options["CRC"])
        self.api_key = str(options["API_KEY"])

    # The fake gateway may live inside the portal itself (FAKE_GATEWAY_ENABLED):
    # then it answers on whatever host the portal was reached by.
    def base_url(self, origin: str | None = None) -> str:
        if self.options.get("BASE_URL"):
            return self.options["BASE_URL"].rstrip("/")
        if origin:
            from django.urls import reverse

            return origin.rstrip("/") + reverse("billing:fake_gateway_home").rstrip("/")
        raise GatewayNotConfigured(f"payment gateway {self.name!r} has no BASE_URL")

    @property
    def auth(self) -> tuple[str, str]:
        return str(self.pos_id), self.api_key

    def start(self, intent, *, return_url, notify_url):
        base = self.base_url(origin_of(notify_url))
        body = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": intent.uuid.hex,
            "amount": to_minor_units(intent.amount, intent.currency),
            "currency": intent.currency,
            "description": intent.description()[:1024],
            "email": intent.payer_email(),
            "country": (intent.organization.country or "PL")[:2],
            "language": "en",
            "urlReturn": return_url,
            "urlStatus": notify_url,
        }
        body["sign"] = sign(body, REGISTER_SIGN_FIELDS, self.crc)
        answer = http_json("POST", f"{base}/api/v1/transaction/register", body, auth=self.auth)
        token = (answer.get("data") or {}).get("token")
        if not token:
            raise GatewayError(f"register answered without a token: {answer.get('error', '')}")
        return f"{base}/trnRequest/{token}", token

    def parse_notification(self, request) -> Notification:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = request.POST.dict()
        if isinstance(data, dict) and "status" in data and "orderId" not in data:
            return self._parse_status(data)
        if not isinstance(data, dict) or any(name not in data for name in NOTIFICATION_FIELDS):
            raise BadSignature("notification incomplete")
        expected = sign(data, NOTIFICATION_SIGN_FIELDS, self.crc)
        if not hmac.compare_digest(str(data["sign"]), expected):
            raise BadSignature("notification sign does not match")
        if str(data["merchantId"]) != str(self.merchant_id) or str(data["posId"]) != str(
            self.pos_id
        ):
            raise BadSignature("notification for another merchant")
        try:
            amount = from_minor_units(data["amount"], str(data["currency"]))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise BadSignature("notification amount unreadable") from exc
        return Notification(
            intent_ref=str(data["sessionId"]),
            amount=amount,
            currency=str(data["currency"]).upper(),
            status=Notification.SUCCEEDED,
            gateway_ref=str(data["orderId"]),
            raw=data,
        )

    def _parse_status(self, data: dict) -> Notification:
        """A signed report that an attempt was cancelled or declined (see the docstring)."""
        if any(name not in data for name in STATUS_FIELDS):
            raise BadSignature("status notification incomplete")
        if not hmac.compare_digest(str(data["sign"]), sign(data, STATUS_SIGN_FIELDS, self.crc)):
            raise BadSignature("status notification sign does not match")
        if str(data["merchantId"]) != str(self.merchant_id) or str(data["posId"]) != str(
            self.pos_id
        ):
            raise BadSignature("notification for another merchant")
        status = CLOSING_STATUSES.get(str(data["status"]))
        if status is None:
            raise BadSignature("status notification with an unknown status")
        try:
            amount = from_minor_units(data["amount"], str(data["currency"]))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise BadSignature("notification amount unreadable") from exc
        return Notification(intent_ref=str(data["sessionId"]), amount=amount,
                            currency=str(data["currency"]).upper(), status=status,
                            gateway_ref="", raw=data)

    def confirm(self, notification, request=None):
        data = notification.raw
        body = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": data["sessionId"],
            "amount": data["amount"],
            "currency": data["currency"],
            "orderId": data["orderId"],
        }
        body["sign"] = sign(body, VERIFY_SIGN_FIELDS, self.crc)
        origin = request.build_absolute_uri("/") if request is not None else None
        answer = http_json("PUT", f"{self.base_url(origin)}/api/v1/transaction/verify", body,
                           auth=self.auth)
        if (answer.get("data") or {}).get("status") != "success":
            raise GatewayError(f"verify refused: {answer.get('error', answer)}")

    def form_origins(self, request=None):
        if self.options.get("BASE_URL"):
            return [origin_of(self.options["BASE_URL"])]
        return []
