"""A stand-in for a redirect-style gateway, for the demo and the tests.

It speaks the protocol of ``redirect.py`` (Przelewy24's field names) on the
loopback interface and holds no state: the transaction token carries the
registered transaction, signed with the fake's own key, so any thread (or any
process given the same key) can serve any step.

- ``POST /api/v1/transaction/register``: checks the Basic credentials and the
  sign, answers a token.
- ``GET /trnRequest/<token>``: the page where the "customer" clicks Pay or Cancel.
- ``POST /trnRequest/<token>``: Pay sends the signed notification to
  ``urlStatus`` and then redirects to ``urlReturn``; Cancel and Decline send a
  signed status notification ("cancelled", "failed": the fake's extension, see
  ``redirect.py``) and redirect back the same way.
- ``PUT /api/v1/transaction/verify``: checks the sign and that the order id is
  the one the fake issued for that session.

Run it alone with ``manage.py fake_gateway --port 8765``; in the demo it is
also mounted inside the portal under ``/billing/fake-gateway/``. Either way it
serves demo and test sites only (``fake_gateway_allowed``), and it sends
notifications and customers only to the portal (``PORTAL_BASE_URL``, or, mounted,
the host it was reached by): its credentials are published in this file, so it
must never be a door to anywhere else. It is never a real payment service.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import secrets
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.utils.translation import gettext

from .base import from_minor_units, origin_of
from .redirect import (
    NOTIFICATION_SIGN_FIELDS,
    REGISTER_SIGN_FIELDS,
    STATUS_SIGN_FIELDS,
    VERIFY_SIGN_FIELDS,
    sign,
)

# The credentials the fake accepts unless told otherwise; plainly not secrets.
FAKE_MERCHANT = {
    "MERCHANT_ID": "100001",
    "POS_ID": "100001",
    "CRC": "fake-crc-not-a-secret",
    "API_KEY": "fake-api-key-not-a-secret",
}
FAKE_METHOD_ID = 25  # "card" in the fake's list of methods


def fake_gateway_allowed() -> bool:
    """Whether the fake may serve here: ``FAKE_GATEWAY_ENABLED`` on a demo or test site.

    A demo or test site runs with ``DEBUG``, or is named "demo" or "test...".
    """
    if not getattr(settings, "FAKE_GATEWAY_ENABLED", False):
        return False
    name = str(getattr(settings, "SITE_NAME", "")).lower()
    return bool(settings.DEBUG) or name == "demo" or name.startswith("test")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeGatewayApp:
    """The WSGI application of the fake gateway."""

    def __init__(self, *, merchant_id=None, pos_id=None, crc=None, api_key=None,
                 token_key: str | None = None, notify_timeout: float = 15,
                 portal_origins: list[str] | None = None, mounted: bool = False):
        self.merchant_id = int(merchant_id or FAKE_MERCHANT["MERCHANT_ID"])
        self.pos_id = int(pos_id or FAKE_MERCHANT["POS_ID"])
        self.crc = crc or FAKE_MERCHANT["CRC"]
        self.api_key = api_key or FAKE_MERCHANT["API_KEY"]
        # Tokens and order ids are signed with a key nobody else knows (the CRC is
        # public): a forged token or order id is refused. Processes that serve the
        # same transactions must be given the same key.
        self.token_key = (token_key or secrets.token_hex(32)).encode()
        self.notify_timeout = notify_timeout
        # Where notifications and customers may go: the portal, PORTAL_BASE_URL
        # unless given; mounted inside the portal, also the host a request came to.
        self.portal_origins = portal_origins
        self.mounted = mounted
        self.notifications: list[dict] = []  # what was sent, for tests

    # --- tokens and order ids -----------------------------------------------------
    def make_token(self, transaction: dict) -> str:
        body = _b64(json.dumps(transaction, separators=(",", ":")).encode())
        mac = _b64(hmac.new(self.token_key, body.encode(), hashlib.sha256).digest()[:18])
        return f"{body}.{mac}"

    def read_token(self, token: str) -> dict | None:
        body, _, mac = token.partition(".")
        expected = _b64(hmac.new(self.token_key, body.encode(), hashlib.sha256).digest()[:18])
        if not mac or not hmac.compare_digest(mac, expected):
            return None
        try:
            return json.loads(_unb64(body))
        except ValueError:
            return None

    def order_id(self, session_id: str) -> int:
        digest = hmac.new(self.token_key, f"order:{session_id}".encode(), hashlib.sha256)
        return 100_000_000 + int(digest.hexdigest()[:12], 16) % 900_000_000

    # --- where the fake may send notifications and customers ------------------------
    def origins(self, environ=None) -> set[str]:
        given = self.portal_origins
        if given is None:
            given = [settings.PORTAL_BASE_URL]
        result = {origin_of(origin).lower() for origin in given if origin}
        if self.mounted and environ and environ.get("HTTP_HOST"):
            result.add(f"{environ.get('wsgi.url_scheme', 'http')}://{environ['HTTP_HOST']}"
                       .lower())
        return result

    def url_allowed(self, url: str, environ=None) -> bool:
        """Is ``url`` on the portal's own origin (http or https, no user info)?"""
        try:
            parts = urlsplit(str(url))
        except ValueError:
            return False
        if parts.scheme not in {"http", "https"} or not parts.hostname or "@" in parts.netloc:
            return False
        return f"{parts.scheme}://{parts.netloc}".lower() in self.origins(environ)

    def refused_url(self, transaction: dict, environ=None) -> str:
        """The name of the transaction's URL that is not the portal's; "" if both are."""
        for name in ("urlReturn", "urlStatus"):
            if not self.url_allowed(transaction.get(name, ""), environ):
                return name
        return ""

    # --- WSGI ---------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        prefix = environ.get("SCRIPT_NAME", "").rstrip("/")

        if path == "/api/v1/transaction/register" and method == "POST":
            status, headers, content = self.register(environ, body)
        elif path == "/api/v1/transaction/verify" and method == "PUT":
            status, headers, content = self.verify(environ, body)
        elif path.startswith("/trnRequest/") and method == "GET":
            status, headers, content = self.pay_page(path.split("/", 2)[2], prefix, environ)
        elif path.startswith("/trnRequest/") and method == "POST":
            status, headers, content = self.pay_action(path.split("/", 2)[2], body, environ)
        elif path in {"", "/"} and method == "GET":
            status, headers, content = self._html(200, "<h1>Fake payment gateway</h1>"
                                                  "<p>For demonstrations and tests only.</p>")
        else:
            status, headers, content = self._json(404, {"error": "not found"})
        phrase = HTTPStatus(status).phrase
        start_response(f"{status} {phrase}", headers)
        return [content]

    # --- endpoints ----------------------------------------------------------------
    def _authorized(self, environ) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.pos_id}:{self.api_key}".encode()).decode()
        return hmac.compare_digest(environ.get("HTTP_AUTHORIZATION", ""), expected)

    def register(self, environ, body):
        if not self._authorized(environ):
            return self._json(401, {"error": "Incorrect authentication", "code": 401})
        try:
            data = json.loads(body)
            if int(data["merchantId"]) != self.merchant_id or int(data["posId"]) != self.pos_id:
                return self._json(400, {"error": "Unknown merchant", "code": 400})
            if not hmac.compare_digest(str(data["sign"]), sign(data, REGISTER_SIGN_FIELDS,
                                                               self.crc)):
                return self._json(400, {"error": "Incorrect sign", "code": 400})
            transaction = {
                "sessionId": str(data["sessionId"]), "amount": int(data["amount"]),
                "currency": str(data["currency"]), "description": str(data.get("description", "")),
                "urlReturn": str(data["urlReturn"]), "urlStatus": str(data["urlStatus"]),
            }
        except (KeyError, TypeError, ValueError):
            return self._json(400, {"error": "Invalid input data", "code": 400})
        refused = self.refused_url(transaction, environ)
        if refused:
            return self._json(400, {"error": f"{refused} must point at the portal: "
                                             f"{', '.join(sorted(self.origins(environ)))}",
                                    "code": 400})
        return self._json(200, {"data": {"token": self.make_token(transaction)},
                                "responseCode": 0})

    def verify(self, environ, body):
        if not self._authorized(environ):
            return self._json(401, {"error": "Incorrect authentication", "code": 401})
        try:
            data = json.loads(body)
            good_sign = hmac.compare_digest(str(data["sign"]),
                                            sign(data, VERIFY_SIGN_FIELDS, self.crc))
            known_order = int(data["orderId"]) == self.order_id(str(data["sessionId"]))
        except (KeyError, TypeError, ValueError):
            return self._json(400, {"error": "Invalid input data", "code": 400})
        if not good_sign or not known_order:
            return self._json(400, {"error": "Transaction verification failed", "code": 400})
        return self._json(200, {"data": {"status": "success"}, "responseCode": 0})

    def pay_page(self, token, prefix, environ=None):
        transaction = self.read_token(token)
        if transaction is None:
            return self._html(404, "<h1>Unknown transaction</h1>")
        if self.refused_url(transaction, environ):
            return self._not_the_portal()
        currency = html.escape(transaction["currency"])
        amount = f"{from_minor_units(transaction['amount'], currency)} {currency}"
        action = html.escape(f"{prefix}/trnRequest/{token}")
        content = (
            "<h1>Fake payment gateway</h1>"
            "<p>A stand-in for a real gateway: no money moves.</p>"
            f"<p>{html.escape(transaction['description'])}</p>"
            f"<p>Amount: <strong data-testid=\"fake-amount\">{amount}</strong></p>"
            f"<form method=\"post\" action=\"{action}\">"
            "<button type=\"submit\" name=\"action\" value=\"pay\">Pay</button> "
            "<button type=\"submit\" name=\"action\" value=\"decline\">Decline (card refused)"
            "</button> "
            "<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button>"
            "</form>"
        )
        return self._html(200, content)

    def pay_action(self, token, body, environ=None):
        transaction = self.read_token(token)
        if transaction is None:
            return self._html(404, "<h1>Unknown transaction</h1>")
        if self.refused_url(transaction, environ):
            return self._not_the_portal()
        choice = parse_qs(body.decode("utf-8", "replace")).get("action", [""])[0]
        if choice == "pay":
            try:
                self.send_notification(transaction)
            except (urllib.error.URLError, OSError) as exc:
                return self._html(502, f"<h1>The shop did not accept the notification</h1>"
                                       f"<p>{html.escape(str(exc))}</p>")
        elif choice in {"cancel", "decline"}:
            status = "cancelled" if choice == "cancel" else "failed"
            # The customer goes back even if the portal did not take the report: its
            # return page waits a bounded time and then says what to do.
            with contextlib.suppress(urllib.error.URLError, OSError):
                self.send_notification(transaction, status=status)
        return 303, [("Location", transaction["urlReturn"]), ("Content-Length", "0")], b""

    def notification_for(self, transaction: dict) -> dict:
        data = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": transaction["sessionId"],
            "amount": transaction["amount"],
            "originAmount": transaction["amount"],
            "currency": transaction["currency"],
            "orderId": self.order_id(transaction["sessionId"]),
            "methodId": FAKE_METHOD_ID,
            "statement": f"p24-{transaction['sessionId'][:8]}",
        }
        data["sign"] = sign(data, NOTIFICATION_SIGN_FIELDS, self.crc)
        return data

    def status_notification_for(self, transaction: dict, status: str) -> dict:
        """The signed report of a cancelled ("cancelled") or declined ("failed") attempt."""
        data = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": transaction["sessionId"],
            "amount": transaction["amount"],
            "currency": transaction["currency"],
            "status": status,
        }
        data["sign"] = sign(data, STATUS_SIGN_FIELDS, self.crc)
        return data

    def send_notification(self, transaction: dict, status: str = "succeeded") -> int:
        data = (self.notification_for(transaction) if status == "succeeded"
                else self.status_notification_for(transaction, status))
        self.notifications.append(data)
        if not transaction["urlStatus"].startswith(("https://", "http://")):
            raise urllib.error.URLError("urlStatus is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310
            transaction["urlStatus"], data=json.dumps(data).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.notify_timeout) as response:  # noqa: S310
            return response.status

    # --- responses ----------------------------------------------------------------
    def _not_the_portal(self):
        return self._html(400, "<h1>{}</h1><p>{}</p>".format(
            html.escape(gettext("This payment cannot continue")),
            html.escape(gettext("Its return or notification address is not the portal's. "
                                "Nothing was sent and nothing was paid."))))

    @staticmethod
    def _json(status, data):
        content = json.dumps(data).encode()
        return status, [("Content-Type", "application/json"),
                        ("Content-Length", str(len(content)))], content

    @staticmethod
    def _html(status, body):
        content = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<title>Fake payment gateway</title></head><body><main>"
                   f"{body}</main></body></html>").encode()
        return status, [("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(len(content)))], content


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # The notification the fake sends may come back to it as a verify call.
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def make_fake_server(app: FakeGatewayApp | None = None, *, host="127.0.0.1", port=0,
                     quiet=True):
    """A threaded WSGI server for ``app`` on the loopback; port 0 picks a free one."""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError("the fake gateway listens on the loopback interface only")
    return make_server(host, port, app or FakeGatewayApp(), server_class=_ThreadingWSGIServer,
                       handler_class=_QuietHandler if quiet else WSGIRequestHandler)


class running_fake_gateway:
    """``with running_fake_gateway() as (base_url, app):`` serves it in a thread."""

    def __init__(self, app: FakeGatewayApp | None = None):
        self.app = app or FakeGatewayApp()

    def __enter__(self):
        self.server = make_fake_server(self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}", self.app

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
