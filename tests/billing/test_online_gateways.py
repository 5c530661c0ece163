"""The gateway protocols on their own: signatures, amounts, the calls they make.

No network: Stripe's API is replaced by a loopback server that records what it
was sent; the redirect protocol talks to the fake gateway on the loopback.
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import stripe
from django.test import RequestFactory

from apps.client_portal.billing.gateways import (
    BadSignature,
    GatewayError,
    GatewayNotConfigured,
    Notification,
    enabled_gateways,
    from_minor_units,
    get_gateway,
    to_minor_units,
)
from apps.client_portal.billing.gateways.fake_server import (
    FAKE_MERCHANT,
    FakeGatewayApp,
    running_fake_gateway,
)
from apps.client_portal.billing.gateways.redirect import RedirectGateway, sign
from apps.client_portal.billing.gateways.stripe import StripeGateway

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
factory = RequestFactory()


def make_intent(amount="1234.50", currency="PLN"):
    return SimpleNamespace(
        uuid=uuid.uuid4(), amount=Decimal(amount), currency=currency,
        organization=SimpleNamespace(uuid=uuid.uuid4(), country="PL"),
        description=lambda: "Invoice FV/2026/001",
        payer_email=lambda: "owner@contoso.example.com",
    )


# --- amounts --------------------------------------------------------------------------
def test_minor_units_round_trip():
    assert to_minor_units(Decimal("1234.50"), "PLN") == 123450
    assert to_minor_units(Decimal("0.01"), "EUR") == 1
    assert to_minor_units(Decimal("1500"), "JPY") == 1500
    assert from_minor_units(123450, "PLN") == Decimal("1234.50")
    assert from_minor_units("99", "RON") == Decimal("0.99")


# --- Stripe webhook -------------------------------------------------------------------
def stripe_gateway(**extra):
    return StripeGateway("stripe", {"SECRET_KEY": "sk_test_x", "WEBHOOK_SECRET": WEBHOOK_SECRET,
                                    **extra})


def stripe_event(kind="checkout.session.completed", *, ref="ab" * 16, amount=123450,
                 currency="pln", payment_status="paid"):
    return json.dumps({
        "id": "evt_1", "object": "event", "type": kind,
        "data": {"object": {
            "id": "cs_test_1", "object": "checkout.session", "client_reference_id": ref,
            "amount_total": amount, "currency": currency, "payment_status": payment_status,
            "payment_intent": "pi_123",
        }},
    })


def signed_request(payload: str, secret=WEBHOOK_SECRET, timestamp=None):
    """A webhook request signed as Stripe documents it: v1 = HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(),
                         hashlib.sha256).hexdigest()
    return factory.post("/cb/stripe/", data=payload, content_type="application/json",
                        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={signature}")


def test_stripe_webhook_with_a_good_signature_is_read():
    note = stripe_gateway().parse_notification(signed_request(stripe_event()))
    assert note.status == Notification.SUCCEEDED
    assert note.intent_ref == "ab" * 16
    assert note.amount == Decimal("1234.50")
    assert note.currency == "PLN"
    assert note.gateway_ref == "pi_123"
    assert not note.ignored


def test_stripe_webhook_signed_with_another_secret_is_refused():
    with pytest.raises(BadSignature):
        stripe_gateway().parse_notification(signed_request(stripe_event(), secret="whsec_other"))


def test_stripe_webhook_with_a_changed_payload_is_refused():
    request = signed_request(stripe_event(amount=100))
    request._body = request.body.replace(b"100", b"999")
    with pytest.raises(BadSignature):
        stripe_gateway().parse_notification(request)


def test_stripe_webhook_too_old_or_unsigned_is_refused():
    with pytest.raises(BadSignature):
        stripe_gateway().parse_notification(
            signed_request(stripe_event(), timestamp=int(time.time()) - 3600))
    unsigned = factory.post("/cb/stripe/", data=stripe_event(), content_type="application/json")
    with pytest.raises(BadSignature):
        stripe_gateway().parse_notification(unsigned)


def test_stripe_expired_session_is_a_failure_and_other_events_are_ignored():
    expired = stripe_gateway().parse_notification(
        signed_request(stripe_event("checkout.session.expired", payment_status="unpaid")))
    assert expired.status == Notification.FAILED and not expired.ignored
    pending = stripe_gateway().parse_notification(
        signed_request(stripe_event(payment_status="unpaid")))
    assert pending.ignored
    other = stripe_gateway().parse_notification(signed_request(stripe_event("charge.refunded")))
    assert other.ignored


# --- Stripe Checkout Session creation against a recording loopback server ----------------
class _Recorder(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        type(self).requests.append({"path": self.path, "headers": dict(self.headers),
                                    "form": parse_qs(body)})
        answer = json.dumps({"id": "cs_test_recorded", "object": "checkout.session",
                             "url": "https://checkout.stripe.com/c/pay/cs_test_recorded"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Request-Id", "req_1")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_api(monkeypatch):
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(stripe, "api_base", f"http://127.0.0.1:{server.server_address[1]}")
    yield _Recorder.requests
    server.shutdown()
    server.server_close()


def test_stripe_checkout_session_request(stripe_api):
    intent = make_intent("1234.50", "PLN")
    url, ref = stripe_gateway().start(intent, return_url="https://portal.example.com/r/",
                                      notify_url="https://portal.example.com/cb/")
    assert url == "https://checkout.stripe.com/c/pay/cs_test_recorded"
    assert ref == "cs_test_recorded"
    [sent] = stripe_api
    assert sent["path"] == "/v1/checkout/sessions"
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["idempotency-key"] == str(intent.uuid)
    assert headers["authorization"] == "Bearer sk_test_x"
    form = sent["form"]
    assert form["line_items[0][price_data][unit_amount]"] == ["123450"]
    assert form["line_items[0][price_data][currency]"] == ["pln"]
    assert form["mode"] == ["payment"]
    assert form["client_reference_id"] == [intent.uuid.hex]
    assert form["success_url"] == ["https://portal.example.com/r/"]


def test_stripe_error_becomes_a_gateway_error(monkeypatch):
    # Nothing listens on port 9 of the loopback: the SDK's connection error surfaces as ours.
    monkeypatch.setattr(stripe, "api_base", "http://127.0.0.1:9")
    with pytest.raises(GatewayError):
        stripe_gateway(MAX_NETWORK_RETRIES=0).start(make_intent(), return_url="http://x/",
                                                     notify_url="http://x/")


# --- the redirect (Przelewy24-style) protocol ---------------------------------------------
def redirect_gateway(base_url):
    return RedirectGateway("redirect", {"BASE_URL": base_url, **FAKE_MERCHANT})


def test_sign_is_sha384_of_the_compact_json_in_protocol_order():
    values = {"sessionId": "abc", "merchantId": 100001, "amount": 123450, "currency": "PLN"}
    expected = hashlib.sha384(
        b'{"sessionId":"abc","merchantId":100001,"amount":123450,"currency":"PLN",'
        b'"crc":"secret"}').hexdigest()
    assert sign(values, ("sessionId", "merchantId", "amount", "currency", "crc"),
                "secret") == expected


def notification_request(data):
    return factory.post("/cb/redirect/", data=json.dumps(data), content_type="application/json")


def test_redirect_notification_with_a_good_sign_is_read():
    app = FakeGatewayApp()
    data = app.notification_for({"sessionId": "ab" * 16, "amount": 123450, "currency": "PLN"})
    note = redirect_gateway("http://127.0.0.1:1").parse_notification(notification_request(data))
    assert (note.intent_ref, note.amount, note.currency) == ("ab" * 16, Decimal("1234.50"), "PLN")
    assert note.gateway_ref == str(app.order_id("ab" * 16))
    assert note.status == Notification.SUCCEEDED


@pytest.mark.parametrize("change", [
    {"amount": 1},                       # amount changed after signing
    {"sign": "0" * 96},                  # sign replaced
    {"orderId": 1},                      # order id changed
])
def test_redirect_notification_tampered_is_refused(change):
    data = FakeGatewayApp().notification_for(
        {"sessionId": "ab" * 16, "amount": 123450, "currency": "PLN"})
    data.update(change)
    with pytest.raises(BadSignature):
        redirect_gateway("http://127.0.0.1:1").parse_notification(notification_request(data))


def test_redirect_notification_for_another_merchant_or_incomplete_is_refused():
    other = FakeGatewayApp(merchant_id=999, pos_id=999)
    data = other.notification_for({"sessionId": "ab" * 16, "amount": 1, "currency": "PLN"})
    with pytest.raises(BadSignature):
        redirect_gateway("http://127.0.0.1:1").parse_notification(notification_request(data))
    with pytest.raises(BadSignature):
        redirect_gateway("http://127.0.0.1:1").parse_notification(
            notification_request({"sessionId": "x"}))
    with pytest.raises(BadSignature):
        redirect_gateway("http://127.0.0.1:1").parse_notification(
            factory.post("/cb/", data=b"not json", content_type="application/json"))


def test_redirect_register_and_verify_against_the_fake():
    with running_fake_gateway(FakeGatewayApp(portal_origins=["http://127.0.0.1:1"])) as (base,
                                                                                        app):
        gateway = redirect_gateway(base)
        intent = make_intent("10.00", "PLN")
        url, token = gateway.start(intent, return_url="http://127.0.0.1:1/back/",
                                   notify_url="http://127.0.0.1:1/cb/")
        assert url == f"{base}/trnRequest/{token}"
        registered = app.read_token(token)
        assert registered["amount"] == 1000 and registered["sessionId"] == intent.uuid.hex
        note = gateway.parse_notification(
            notification_request(app.notification_for(registered)))
        gateway.confirm(note)  # the fake agrees
        forged = Notification(note.intent_ref, note.amount, note.currency, note.status,
                              "123", dict(note.raw, orderId=123))
        with pytest.raises(GatewayError):
            gateway.confirm(forged)


def test_the_fake_refuses_a_bad_register_sign_or_credentials():
    with running_fake_gateway() as (base, _app):
        wrong_crc = RedirectGateway("redirect", {"BASE_URL": base, **FAKE_MERCHANT,
                                                 "CRC": "not-the-crc"})
        with pytest.raises(GatewayError):
            wrong_crc.start(make_intent(), return_url="http://x/", notify_url="http://x/")
        wrong_key = RedirectGateway("redirect", {"BASE_URL": base, **FAKE_MERCHANT,
                                                 "API_KEY": "nope"})
        with pytest.raises(GatewayError, match="401"):
            wrong_key.start(make_intent(), return_url="http://x/", notify_url="http://x/")


def test_fake_pay_page_sends_the_notification_then_redirects(settings):
    received = []

    class Shop(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    shop = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    try:
        shop_origin = f"http://127.0.0.1:{shop.server_address[1]}"
        app = FakeGatewayApp(portal_origins=["http://back.test", shop_origin])
        token = app.make_token({"sessionId": "cd" * 16, "amount": 500, "currency": "EUR",
                                "description": "Invoice 7", "urlReturn": "http://back.test/r",
                                "urlStatus": f"{shop_origin}/cb"})
        status, headers, body = app.pay_page(token, "")
        assert status == 200 and b"5.00 EUR" in body and b'value="pay"' in body
        status, headers, _ = app.pay_action(token, b"action=cancel")
        assert status == 303 and ("Location", "http://back.test/r") in headers
        # Abandoning reports a signed cancellation, never a payment.
        [cancelled] = received
        assert cancelled["status"] == "cancelled" and "orderId" not in cancelled
        gateway = redirect_gateway("http://unused")
        assert gateway.parse_notification(notification_request(cancelled)).status == "cancelled"
        received.clear()
        status, headers, _ = app.pay_action(token, b"action=pay")
        assert status == 303
        [note] = received
        assert note["sessionId"] == "cd" * 16 and note["amount"] == 500
        assert redirect_gateway("http://unused").parse_notification(notification_request(note))
        assert app.pay_page(token[:-2] + "xx", "")[0] == 404
    finally:
        shop.shutdown()
        shop.server_close()


class _Shop:
    """A loopback server standing in for any address; records what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("urls", [
    {"urlStatus": "{elsewhere}/cb"},
    {"urlReturn": "{elsewhere}/back"},
    {"urlStatus": "http://portal.test@{host}/cb"},
    {"urlStatus": "http://portal.test.{host}/cb"},
    {"urlReturn": "javascript:alert(1)"},
    {"urlStatus": "ftp://portal.test/cb"},
], ids=["status-elsewhere", "return-elsewhere", "user-info", "suffix", "javascript", "ftp"])
def test_the_fake_sends_nothing_and_nobody_to_an_address_that_is_not_the_portal(urls):
    """A token names any URL it likes (its key used to be derived from the published CRC):
    the fake neither notifies it nor redirects to it."""
    with _Shop() as shop:
        app = FakeGatewayApp(portal_origins=["http://portal.test"])
        host = shop.origin.removeprefix("http://")
        transaction = {"sessionId": "ef" * 16, "amount": 500, "currency": "EUR",
                       "description": "Invoice 8", "urlReturn": "http://portal.test/r",
                       "urlStatus": "http://portal.test/cb"}
        transaction.update({name: url.format(elsewhere=shop.origin, host=host)
                            for name, url in urls.items()})
        token = app.make_token(transaction)
        assert app.pay_page(token, "")[0] == 400
        status, headers, body = app.pay_action(token, b"action=pay")
        assert status == 400 and b"Nothing was sent" in body
        assert not [value for name, value in headers if name == "Location"]
        assert app.pay_action(token, b"action=cancel")[0] == 400
    assert shop.received == [] and app.notifications == []


def test_the_fake_registers_only_addresses_of_the_portal():
    with running_fake_gateway(FakeGatewayApp(portal_origins=["http://portal.test"])) as (base,
                                                                                         _app):
        gateway = redirect_gateway(base)
        with pytest.raises(GatewayError, match="400"):
            gateway.start(make_intent(), return_url="http://portal.test/back/",
                          notify_url="http://attacker.example/cb/")
        url, _token = gateway.start(make_intent(), return_url="http://portal.test/back/",
                                    notify_url="http://portal.test/cb/")
        assert url.startswith(base)


def test_the_fake_portal_is_portal_base_url_unless_given(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com/"
    app = FakeGatewayApp()
    assert app.url_allowed("https://portal.example.com/billing/pay/callback/redirect/")
    assert not app.url_allowed("http://portal.example.com/billing/")
    # Only the fake mounted inside the portal takes the host it was reached by.
    environ = {"HTTP_HOST": "demo.example.org", "wsgi.url_scheme": "https"}
    assert not app.url_allowed("https://demo.example.org/r", environ)
    assert FakeGatewayApp(mounted=True).url_allowed("https://demo.example.org/r", environ)


def test_tokens_signed_with_the_published_constants_are_refused():
    """The token key used to be "fake-token:" + the CRC published in the code."""
    published = FakeGatewayApp(token_key=f"fake-token:{FAKE_MERCHANT['CRC']}")
    forged = published.make_token({"sessionId": "ab" * 16, "amount": 1, "currency": "EUR",
                                   "urlReturn": "http://127.0.0.1:8000/", "urlStatus": "x"})
    assert FakeGatewayApp().read_token(forged) is None
    assert FakeGatewayApp().order_id("ab" * 16) != published.order_id("ab" * 16)


# --- the registry of gateways ---------------------------------------------------------
def test_gateways_come_from_settings_and_need_their_secrets(settings):
    settings.FAKE_GATEWAY_ENABLED = True
    settings.PAYMENT_GATEWAYS = {
        "redirect": {"BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
                     "BASE_URL": "", "FAKE": True},
        "stripe": {"BACKEND": "apps.client_portal.billing.gateways.stripe.StripeGateway",
                   "SECRET_KEY": "", "WEBHOOK_SECRET": ""},
    }
    assert [g.name for g in enabled_gateways()] == ["redirect"]
    with pytest.raises(GatewayNotConfigured):
        get_gateway("stripe")
    with pytest.raises(GatewayNotConfigured):
        get_gateway("nope")
    settings.PAYMENT_GATEWAYS["redirect"]["FAKE"] = False
    assert enabled_gateways() == []


def test_the_fake_gateway_command_refuses_a_site_that_is_not_a_demo(settings):
    from django.core.management import CommandError, call_command

    settings.FAKE_GATEWAY_ENABLED, settings.DEBUG, settings.SITE_NAME = True, False, "acme"
    with pytest.raises(CommandError, match="demo and test sites only"):
        call_command("fake_gateway", "--port", "0")
