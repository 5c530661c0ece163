"""Online payment services and the gateway callback: the money only moves once.

The redirect gateway talks to the fake gateway on the loopback (register and
verify are real HTTP calls); notifications are posted to the portal's callback
as the gateway would post them.
"""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.client_portal.billing import online, services
from apps.client_portal.billing.gateways.fake_server import (
    FAKE_MERCHANT,
    FakeGatewayApp,
    running_fake_gateway,
)
from apps.client_portal.billing.models import FinancialDocument, Payment, PaymentIntent
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent, Membership

from .test_online_gateways import WEBHOOK_SECRET, signed_request, stripe_event

TODAY = dt.date(2026, 3, 2)


def make_doc(organization, number, amount="100.00", currency="RON", kind="invoice"):
    doc = services.create_document(
        organization=organization, kind=kind, number=number,
        issue_date=timezone.localdate() - dt.timedelta(days=10),
        due_date=timezone.localdate() + dt.timedelta(days=20), currency=currency,
        lines=[{"description": "Support, one month", "quantity": Decimal("1"), "unit": "pc",
                "unit_price": Decimal(amount), "vat_rate": Decimal("0")}],
    )
    doc.publish()
    doc.save()
    return doc


def access_of(user, organization):
    return Membership.objects.get(user=user, organization=organization).access()


def actions(**filters):
    return list(AuditEvent.objects.filter(action__startswith="online-payments", **filters)
                .order_by("id").values_list("action", flat=True))


@pytest.fixture(scope="module")
def fake_gateway():
    # The test client's portal is http://testserver: the fake notifies and returns there.
    with running_fake_gateway(FakeGatewayApp(portal_origins=["http://testserver"])) as (base,
                                                                                        app):
        yield base, app


@pytest.fixture
def gateways(settings, fake_gateway):
    base, app = fake_gateway
    settings.FAKE_GATEWAY_ENABLED = False
    settings.PAYMENT_GATEWAYS = {
        "redirect": {"BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
                     "BASE_URL": base, **FAKE_MERCHANT},
        "stripe": {"BACKEND": "apps.client_portal.billing.gateways.stripe.StripeGateway",
                   "SECRET_KEY": "sk_test_x", "WEBHOOK_SECRET": WEBHOOK_SECRET},
    }
    return app


@pytest.fixture
def owner_access(demo, northwind):
    return access_of(demo.users["owner"], northwind)


def start(access, docs=None, currency=None, gateway="redirect"):
    return online.start_payment(access, gateway=gateway, base_url="http://testserver",
                                documents=docs, currency=currency)


def notify(client, app, intent, **change):
    """Post the notification the fake gateway sends for ``intent`` (optionally altered)."""
    transaction = app.read_token(intent.gateway_token)
    data = app.notification_for(transaction)
    data.update(change)
    return client.post(reverse("billing:pay_callback", args=["redirect"]),
                       data=json.dumps(data), content_type="application/json")


def doc_amounts(doc):
    doc.refresh_from_db()
    return doc.status, doc.paid, doc.outstanding


# --- starting --------------------------------------------------------------------------
def test_start_opens_an_intent_for_the_outstanding_amount(gateways, northwind, owner_access):
    doc = make_doc(northwind, "OP-1", "250.40")
    intent = start(owner_access, [doc])
    assert intent.status == PaymentIntent.Status.PENDING
    assert (intent.amount, intent.currency) == (Decimal("250.40"), "RON")
    assert list(intent.documents.all()) == [doc]
    assert intent.redirect_url.endswith(f"/trnRequest/{intent.gateway_token}")
    registered = gateways.read_token(intent.gateway_token)
    assert registered["amount"] == 25040 and registered["sessionId"] == intent.uuid.hex
    assert registered["urlStatus"] == "http://testserver/billing/pay/callback/redirect/"
    assert registered["urlReturn"] == f"http://testserver/billing/pay/return/{intent.uuid}/"
    assert actions(object_id=str(intent.uuid)) == ["online-payments.create",
                                                   "online-payments.start"]
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("250.40"))


def test_starting_twice_reuses_the_open_intent(gateways, northwind, owner_access, settings):
    doc = make_doc(northwind, "OP-2")
    first = start(owner_access, [doc])
    again = start(owner_access, [doc])
    assert again.pk == first.pk
    assert PaymentIntent.objects.filter(documents=doc).count() == 1
    assert "online-payments.reuse" in actions(object_id=str(first.uuid))
    # Past the reuse window a new attempt is opened.
    PaymentIntent.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.PAYMENT_INTENT_REUSE_MINUTES + 1))
    assert start(owner_access, [doc]).pk != first.pk


def test_a_paid_or_credit_document_cannot_be_paid(gateways, northwind, owner_access):
    doc = make_doc(northwind, "OP-3")
    services.record_payment(organization=northwind, amount=Decimal("100.00"), currency="RON",
                            method=Payment.Method.BANK_TRANSFER, reference="bank-1",
                            paid_at=timezone.now(), documents=[doc])
    doc.refresh_from_db()
    with pytest.raises(Refused) as exc:
        start(owner_access, [doc])
    assert exc.value.code == "nothing_due"
    assert not PaymentIntent.objects.filter(documents=doc).exists()


def test_a_viewer_cannot_start_a_payment(gateways, demo, northwind):
    doc = make_doc(northwind, "OP-4")
    with pytest.raises(Refused) as exc:
        start(access_of(demo.users["viewer"], northwind), [doc])
    assert exc.value.code == "forbidden"


def test_a_gateway_that_does_not_answer_fails_the_intent(settings, gateways, northwind,
                                                        owner_access):
    settings.PAYMENT_GATEWAYS["redirect"]["BASE_URL"] = "http://127.0.0.1:9"
    doc = make_doc(northwind, "OP-5")
    with pytest.raises(Refused) as exc:
        start(owner_access, [doc])
    assert (exc.value.code, exc.value.status) == ("gateway", 503)
    intent = PaymentIntent.objects.get(documents=doc)
    assert intent.status == PaymentIntent.Status.FAILED
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.gateway_error"
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))


# --- the callback ----------------------------------------------------------------------
def test_a_good_notification_pays_the_document(gateways, client, northwind, owner_access):
    doc = make_doc(northwind, "CB-1", "120.00")
    intent = start(owner_access, [doc])
    response = notify(client, gateways, intent)
    assert response.status_code == 200 and response.content == b"OK"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert intent.gateway_ref == str(gateways.order_id(intent.uuid.hex))
    payment = intent.payment
    assert (payment.amount, payment.currency, payment.method) == (Decimal("120.00"), "RON",
                                                                  "online")
    assert payment.reference == intent.gateway_ref and ":" not in payment.reference
    assert list(payment.allocations.values_list("document__number", "amount")) == [
        ("CB-1", Decimal("120.00"))]
    assert doc_amounts(doc) == ("paid", Decimal("120.00"), Decimal("0.00"))
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.callback.succeeded"
    assert AuditEvent.objects.filter(action="billing.payment.record",
                                     object_id=str(payment.uuid)).exists()


def test_a_replayed_notification_allocates_once(gateways, client, northwind, owner_access):
    doc = make_doc(northwind, "CB-2", "80.00")
    intent = start(owner_access, [doc])
    assert notify(client, gateways, intent).status_code == 200
    assert notify(client, gateways, intent).status_code == 200
    assert notify(client, gateways, intent).status_code == 200
    assert Payment.objects.filter(organization=northwind, method="online").count() == 1
    assert doc.allocations.count() == 1
    assert doc_amounts(doc) == ("paid", Decimal("80.00"), Decimal("0.00"))
    assert actions(object_id=str(intent.uuid)).count("online-payments.callback.replay") == 2


def test_a_wrong_signature_is_refused_and_changes_nothing(gateways, client, northwind,
                                                         owner_access):
    doc = make_doc(northwind, "CB-3")
    intent = start(owner_access, [doc])
    response = notify(client, gateways, intent, sign="f" * 96)
    assert response.status_code == 400
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))
    assert not Payment.objects.filter(organization=northwind, method="online").exists()
    event = AuditEvent.objects.get(action="online-payments.callback.bad_signature")
    assert event.changes["gateway"] == "redirect" and event.ip == "127.0.0.1"


def test_a_wrong_amount_is_refused_even_when_signed(gateways, client, northwind, owner_access):
    """A notification for less than the intent (correctly signed) pays nothing."""
    from apps.client_portal.billing.gateways.redirect import NOTIFICATION_SIGN_FIELDS, sign

    doc = make_doc(northwind, "CB-4", "500.00")
    intent = start(owner_access, [doc])
    data = gateways.notification_for(gateways.read_token(intent.gateway_token))
    data.update(amount=100, originAmount=100)
    data["sign"] = sign(data, NOTIFICATION_SIGN_FIELDS, FAKE_MERCHANT["CRC"])
    response = client.post(reverse("billing:pay_callback", args=["redirect"]),
                           data=json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("500.00"))
    event = AuditEvent.objects.get(action="online-payments.callback.wrong_amount")
    assert event.changes["amount"] == "1.00" and event.changes["expected_amount"] == "500.00"
    assert event.organization == northwind


def test_a_wrong_currency_is_refused(gateways, client, northwind, owner_access):
    from apps.client_portal.billing.gateways.redirect import NOTIFICATION_SIGN_FIELDS, sign

    doc = make_doc(northwind, "CB-5")
    intent = start(owner_access, [doc])
    data = gateways.notification_for(gateways.read_token(intent.gateway_token))
    data["currency"] = "EUR"
    data["sign"] = sign(data, NOTIFICATION_SIGN_FIELDS, FAKE_MERCHANT["CRC"])
    response = client.post(reverse("billing:pay_callback", args=["redirect"]),
                           data=json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))


def test_an_unknown_intent_is_refused_and_audited(gateways, client, northwind):
    payments = Payment.objects.count()
    data = gateways.notification_for({"sessionId": "0" * 32, "amount": 100, "currency": "RON"})
    response = client.post(reverse("billing:pay_callback", args=["redirect"]),
                           data=json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    event = AuditEvent.objects.get(action="online-payments.callback.unknown_intent")
    assert event.changes["intent"] == "0" * 32 and event.organization is None
    assert Payment.objects.count() == payments


def test_a_notification_the_gateway_does_not_confirm_pays_nothing(gateways, client, northwind,
                                                                  owner_access):
    """Signed with the shared secret but for an order the gateway never issued: verify fails."""
    from apps.client_portal.billing.gateways.redirect import NOTIFICATION_SIGN_FIELDS, sign

    doc = make_doc(northwind, "CB-6")
    intent = start(owner_access, [doc])
    data = gateways.notification_for(gateways.read_token(intent.gateway_token))
    data["orderId"] = 1
    data["sign"] = sign(data, NOTIFICATION_SIGN_FIELDS, FAKE_MERCHANT["CRC"])
    response = client.post(reverse("billing:pay_callback", args=["redirect"]),
                           data=json.dumps(data), content_type="application/json")
    assert response.status_code == 502
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.callback.verify_failed"


def test_a_notification_for_another_gateway_name_is_not_found(gateways, client, northwind,
                                                              owner_access):
    doc = make_doc(northwind, "CB-7")
    intent = start(owner_access, [doc])
    data = gateways.notification_for(gateways.read_token(intent.gateway_token))
    response = client.post(reverse("billing:pay_callback", args=["nonexistent"]),
                           data=json.dumps(data), content_type="application/json")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="online-payments.callback.unknown_gateway").exists()
    assert doc_amounts(doc)[0] == "unpaid"


def test_the_callback_answers_post_only(gateways, client):
    assert client.get(reverse("billing:pay_callback", args=["redirect"])).status_code == 405


# --- failed and abandoned ----------------------------------------------------------------
def test_an_abandoned_payment_changes_nothing(gateways, northwind, owner_access, client):
    doc = make_doc(northwind, "AB-1")
    before = services.balance(northwind)
    intent = start(owner_access, [doc])
    online.cancel_payment(owner_access, intent)
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.CANCELLED
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))
    assert services.balance(northwind) == before
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.cancel"
    # The next attempt opens a new intent rather than reusing the cancelled one.
    assert start(owner_access, [doc]).pk != intent.pk


def test_abandoned_intents_expire(gateways, northwind, owner_access):
    doc = make_doc(northwind, "AB-2")
    intent = start(owner_access, [doc])
    PaymentIntent.objects.filter(pk=intent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2))
    assert online.expire_abandoned() == 1
    intent.refresh_from_db()
    assert (intent.status, intent.failure_message) == ("cancelled", "online_payments.abandoned")
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.expire"


def test_money_taken_after_a_cancel_is_still_recorded(gateways, client, northwind, owner_access):
    """The gateway's confirmed payment wins over the client's earlier Cancel."""
    doc = make_doc(northwind, "AB-3")
    intent = start(owner_access, [doc])
    online.cancel_payment(owner_access, intent)
    assert notify(client, gateways, intent).status_code == 200
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert doc_amounts(doc) == ("paid", Decimal("100.00"), Decimal("0.00"))


# --- Stripe through the same services ------------------------------------------------------
@pytest.fixture
def stripe_intent(gateways, northwind, owner_access, monkeypatch):
    """A Stripe intent, registered against a recording loopback stand-in of Stripe's API."""
    from http.server import ThreadingHTTPServer

    import stripe

    from .test_online_gateways import _Recorder

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(stripe, "api_base", f"http://127.0.0.1:{server.server_address[1]}")
    doc = make_doc(northwind, "ST-1", "42.00")
    intent = start(owner_access, [doc], gateway="stripe")
    yield intent, doc
    server.shutdown()
    server.server_close()


def post_stripe(client, payload):
    request = signed_request(payload)
    return client.post(reverse("billing:pay_callback", args=["stripe"]), data=payload,
                       content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=request.headers["Stripe-Signature"])


def test_stripe_webhook_pays_once(stripe_intent, client, northwind):
    intent, doc = stripe_intent
    assert intent.status == "pending" and intent.gateway_token == "cs_test_recorded"
    payload = stripe_event(ref=intent.uuid.hex, amount=4200, currency="ron")
    assert post_stripe(client, payload).status_code == 200
    assert post_stripe(client, payload).status_code == 200
    intent.refresh_from_db()
    assert intent.status == "succeeded" and intent.payment.reference == "pi_123"
    assert doc_amounts(doc) == ("paid", Decimal("42.00"), Decimal("0.00"))
    assert Payment.objects.filter(organization=northwind, method="online").count() == 1


def test_stripe_bad_signature_and_expired_session(stripe_intent, client):
    intent, doc = stripe_intent
    payload = stripe_event(ref=intent.uuid.hex, amount=4200, currency="ron")
    forged = client.post(reverse("billing:pay_callback", args=["stripe"]), data=payload,
                         content_type="application/json",
                         HTTP_STRIPE_SIGNATURE="t=1,v1=" + "0" * 64)
    assert forged.status_code == 400
    expired = stripe_event("checkout.session.expired", ref=intent.uuid.hex, amount=4200,
                           currency="ron", payment_status="unpaid")
    assert post_stripe(client, expired).status_code == 200
    intent.refresh_from_db()
    assert intent.status == "failed"
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("42.00"))
    assert actions(object_id=str(intent.uuid))[-1] == "online-payments.callback.failed"


# --- the balance ------------------------------------------------------------------------
def test_paying_the_balance(gateways, client, northwind, owner_access):
    make_doc(northwind, "BL-1", "10.00", currency="EUR")
    make_doc(northwind, "BL-2", "15.50", currency="EUR")
    due = services.balance(northwind)["EUR"]
    intent = start(owner_access, currency="EUR")
    assert intent.scope == "balance" and intent.amount == due
    assert notify(client, gateways, intent).status_code == 200
    assert services.balance(northwind)["EUR"] == Decimal("0.00")
    assert not FinancialDocument.objects.filter(organization=northwind, currency="EUR").open()


def test_nothing_to_pay_on_an_empty_balance(gateways, northwind, owner_access):
    with pytest.raises(Refused):
        start(owner_access, currency="UAH")


# --- two notifications at once ------------------------------------------------------------
def test_notifications_that_crossed_allocate_once(gateways, client, northwind, owner_access,
                                                 monkeypatch):
    """Both deliveries saw the intent pending; the one that locks it second changes nothing."""
    doc = make_doc(northwind, "CC-0", "70.00")
    intent = start(owner_access, [doc])
    real_apply = online._apply_success
    answers = []

    def apply_after_the_other(*args, **kwargs):
        if not answers:
            # The second delivery arrives, passes the same checks and commits first.
            answers.append("second")
            assert notify(client, gateways, intent).status_code == 200
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(online, "_apply_success", apply_after_the_other)
    assert notify(client, gateways, intent).status_code == 200
    assert Payment.objects.filter(organization=northwind, method="online").count() == 1
    assert doc.allocations.count() == 1
    assert doc_amounts(doc) == ("paid", Decimal("70.00"), Decimal("0.00"))
    audit = actions(object_id=str(intent.uuid))
    assert audit.count("online-payments.callback.succeeded") == 1
    assert audit.count("online-payments.callback.replay") == 1


# SQLite's shared in-memory test database refuses concurrent writers outright ("table is
# locked") instead of waiting; the threaded race runs where rows are really locked (MariaDB).
@pytest.mark.skipif(connection.vendor == "sqlite", reason="needs row locks: run on MariaDB")
@pytest.mark.django_db(transaction=True)
def test_concurrent_notifications_allocate_once(gateways, demo):
    northwind = demo.organizations["northwind"]
    doc = make_doc(northwind, "CC-1", "300.00")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    barrier = threading.Barrier(3)
    answers = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            answers.append(notify(Client(), gateways, intent).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200, 200, 200]
    assert Payment.objects.filter(organization=northwind, method="online").count() == 1
    assert doc.allocations.count() == 1
    assert doc_amounts(doc) == ("paid", Decimal("300.00"), Decimal("0.00"))
    audit = actions(object_id=str(intent.uuid))
    assert audit.count("online-payments.callback.succeeded") == 1
    assert audit.count("online-payments.callback.replay") == 2
