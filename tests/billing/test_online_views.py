"""The pages of online payment: who may pay what, CSRF, the return page, the callback door."""

import base64
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.client_portal.billing import views_online
from apps.client_portal.billing.gateways import enabled_gateways
from apps.client_portal.billing.gateways.fake_server import FAKE_MERCHANT
from apps.client_portal.billing.gateways.redirect import REGISTER_SIGN_FIELDS, sign
from apps.client_portal.billing.models import PaymentIntent
from apps.client_portal.core.models import AuditEvent

from .test_online_payment import (  # noqa: F401  (fake_gateway, gateways: fixtures)
    access_of,
    doc_amounts,
    fake_gateway,
    gateways,
    make_doc,
    notify,
    start,
)

pytestmark = pytest.mark.usefixtures("gateways")


@pytest.fixture
def contoso(demo):
    return demo.organizations["contoso"]


def test_the_pay_page_shows_the_amount(demo, northwind, login):
    doc = make_doc(northwind, "PV-1", "99.90")
    response = login(demo.users["owner"], northwind).get(reverse("billing:pay", args=[doc.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="pay-amount">99.90 RON<' in body
    assert "PV-1" in body and 'name="csrfmiddlewaretoken"' in body
    assert not PaymentIntent.objects.filter(documents=doc).exists()  # GET opens nothing


def test_posting_the_pay_form_sends_the_client_to_the_gateway(demo, northwind, login):
    doc = make_doc(northwind, "PV-2", "50.00")
    client = login(demo.users["member"], northwind)
    response = client.post(reverse("billing:pay", args=[doc.uuid]), {"gateway": "redirect"})
    intent = PaymentIntent.objects.get(documents=doc)
    assert response.status_code == 302 and response["Location"] == intent.redirect_url
    assert intent.created_by == demo.users["member"] and intent.status == "pending"


def test_another_organizations_document_is_not_found(demo, northwind, contoso, login):
    theirs = make_doc(contoso, "PV-3", currency="PLN")
    client = login(demo.users["owner"], northwind)
    assert client.get(reverse("billing:pay", args=[theirs.uuid])).status_code == 404
    assert client.post(reverse("billing:pay", args=[theirs.uuid]),
                       {"gateway": "redirect"}).status_code == 404
    assert not PaymentIntent.objects.filter(documents=theirs).exists()


def test_a_viewer_may_not_pay(demo, northwind, login):
    doc = make_doc(northwind, "PV-4")
    client = login(demo.users["viewer"], northwind)
    assert client.get(reverse("billing:pay", args=[doc.uuid])).status_code == 403
    assert client.post(reverse("billing:pay", args=[doc.uuid]),
                       {"gateway": "redirect"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, northwind):
    doc = make_doc(northwind, "PV-5")
    response = client.get(reverse("billing:pay", args=[doc.uuid]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_pay_form_needs_its_csrf_token(demo, northwind):
    doc = make_doc(northwind, "PV-6")
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.users["owner"])
    response = client.post(reverse("billing:pay", args=[doc.uuid]), {"gateway": "redirect"})
    assert response.status_code == 403
    assert not PaymentIntent.objects.filter(documents=doc).exists()


def test_an_unknown_gateway_choice_opens_nothing(demo, northwind, login):
    doc = make_doc(northwind, "PV-7")
    response = login(demo.users["owner"], northwind).post(
        reverse("billing:pay", args=[doc.uuid]), {"gateway": "cash-in-an-envelope"})
    assert response.status_code == 400
    assert not PaymentIntent.objects.filter(documents=doc).exists()


def test_pay_balance_page(demo, northwind, login):
    make_doc(northwind, "PV-8", "30.00", currency="EUR")
    client = login(demo.users["owner"], northwind)
    response = client.get(reverse("billing:pay_balance", args=["EUR"]))
    assert response.status_code == 200 and "Your whole balance in EUR" in response.content.decode()
    assert client.get(reverse("billing:pay_balance", args=["XXX"])).status_code == 404
    nothing = client.get(reverse("billing:pay_balance", args=["UAH"]))
    assert 'data-testid="pay-problem"' in nothing.content.decode()


def test_the_return_page_trusts_the_database_not_the_query(demo, northwind, login):
    doc = make_doc(northwind, "PV-9")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    client = login(demo.users["owner"], northwind)
    url = reverse("billing:pay_return", args=[intent.uuid])
    body = client.get(url + "?status=success&paid=1").content.decode()
    assert 'data-testid="intent-status">Waiting for the gateway<' in body
    assert doc_amounts(doc)[0] == "unpaid"


def test_the_return_page_after_the_notification(demo, northwind, login, request):
    fake = request.getfixturevalue("gateways")
    doc = make_doc(northwind, "PV-10")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    assert notify(Client(), fake, intent).status_code == 200
    body = login(demo.users["owner"], northwind).get(
        reverse("billing:pay_return", args=[intent.uuid])).content.decode()
    assert 'data-testid="intent-status">Paid<' in body


def test_another_organizations_intent_is_not_found(demo, northwind, contoso, login):
    theirs = make_doc(contoso, "PV-11", currency="PLN")
    intent = start(access_of(demo.users["contoso_owner"], contoso), [theirs])
    client = login(demo.users["owner"], northwind)
    assert client.get(reverse("billing:pay_return", args=[intent.uuid])).status_code == 404
    assert client.post(reverse("billing:pay_cancel", args=[intent.uuid])).status_code == 404
    assert client.get(reverse("portal:detail", args=["online-payments", intent.uuid])
                      ).status_code == 404
    intent.refresh_from_db()
    assert intent.status == "pending"


def test_cancel_from_the_return_page(demo, northwind, login):
    doc = make_doc(northwind, "PV-12")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    client = login(demo.users["owner"], northwind)
    response = client.post(reverse("billing:pay_cancel", args=[intent.uuid]))
    assert response.status_code == 302
    intent.refresh_from_db()
    assert intent.status == "cancelled"
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))


def test_the_online_payments_list_shows_own_attempts_only(demo, northwind, contoso,
                                                          login):
    ours = start(access_of(demo.users["owner"], northwind), [make_doc(northwind, "PV-13")])
    theirs = start(access_of(demo.users["contoso_owner"], contoso),
                   [make_doc(contoso, "PV-14", currency="PLN")])
    client = login(demo.users["viewer"], northwind)
    body = client.get(reverse("portal:list", args=["online-payments"])).content.decode()
    assert str(ours.uuid) in body and str(theirs.uuid) not in body
    api = client.get("/api/v1/online-payments/")
    assert api.status_code == 200
    uuids = json.dumps(api.json())
    assert str(ours.uuid) in uuids and str(theirs.uuid) not in uuids


def test_the_fake_gateway_is_off_unless_enabled(settings, client):
    settings.FAKE_GATEWAY_ENABLED = False
    assert client.get(reverse("billing:fake_gateway_home")).status_code == 404
    settings.FAKE_GATEWAY_ENABLED = True
    assert client.get(reverse("billing:fake_gateway_home")).status_code == 200


@pytest.mark.parametrize(("enabled", "debug", "site", "status"), [
    (False, True, "demo", 404),
    (True, False, "acme", 404),  # a production site, the flag left on by mistake
    (True, False, "latest", 404),
    (True, False, "demo", 200),
    (True, False, "test-eu", 200),
    (True, True, "acme", 200),
])
def test_the_fake_gateway_serves_demo_and_test_sites_only(settings, client, enabled, debug,
                                                          site, status):
    settings.FAKE_GATEWAY_ENABLED, settings.DEBUG, settings.SITE_NAME = enabled, debug, site
    assert client.get(reverse("billing:fake_gateway_home")).status_code == status
    register = client.post(reverse("billing:fake_gateway",
                                   args=["api/v1/transaction/register"]),
                           data="{}", content_type="application/json")
    assert (register.status_code == 404) == (status == 404)


def test_a_production_site_never_takes_the_fakes_published_credentials(settings, demo,
                                                                       northwind, request):
    """A notification signed with the fake's published CRC pays nothing there."""
    fake = request.getfixturevalue("gateways")
    doc = make_doc(northwind, "PV-FAKE")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    settings.FAKE_GATEWAY_ENABLED, settings.DEBUG, settings.SITE_NAME = True, False, "acme"
    settings.PAYMENT_GATEWAYS = {"redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "FAKE": True, "BASE_URL": ""}}
    assert enabled_gateways() == []
    assert notify(Client(), fake, intent).status_code == 404
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("100.00"))
    settings.SITE_NAME = "demo"
    assert [g.name for g in enabled_gateways()] == ["redirect"]


def _register(client, **urls):
    body = {"merchantId": 100001, "posId": 100001, "sessionId": "cd" * 16, "amount": 500,
            "currency": "EUR", "description": "Invoice 9",
            "urlReturn": "http://testserver/billing/pay/return/x/",
            "urlStatus": "http://testserver/billing/pay/callback/redirect/", **urls}
    body["sign"] = sign(body, REGISTER_SIGN_FIELDS, FAKE_MERCHANT["CRC"])
    auth = base64.b64encode(f"100001:{FAKE_MERCHANT['API_KEY']}".encode()).decode()
    return client.post(reverse("billing:fake_gateway", args=["api/v1/transaction/register"]),
                       data=json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Basic {auth}")


def test_the_mounted_fake_sends_only_to_the_portal_it_is_mounted_in(settings, client):
    settings.FAKE_GATEWAY_ENABLED = True
    refused = _register(client, urlStatus="http://attacker.example/cb")
    assert refused.status_code == 400
    assert "urlStatus must point at the portal" in refused.json()["error"]
    assert _register(client, urlReturn="https://evil.example/").status_code == 400
    assert _register(client).status_code == 200  # the host it was reached by

    # A token naming another address (made with the fake's own key) goes nowhere.
    fake = views_online._fake()
    sent = len(fake.notifications)
    token = fake.make_token({"sessionId": "cd" * 16, "amount": 500, "currency": "EUR",
                             "description": "x", "urlReturn": "http://testserver/back/",
                             "urlStatus": "http://127.0.0.1:9/cb"})
    page = reverse("billing:fake_gateway", args=[f"trnRequest/{token}"])
    assert client.get(page).status_code == 400
    response = client.post(page, {"action": "pay"})
    assert response.status_code == 400 and "Location" not in response
    assert "Nothing was sent" in response.content.decode()
    assert len(fake.notifications) == sent


def test_back_office_lists_attempts_and_cancels_open_ones(demo, northwind, client):
    intent = start(access_of(demo.users["owner"], northwind), [make_doc(northwind, "PV-15")])
    client.force_login(demo.users["admin"])
    changelist = reverse("admin:billing_paymentintent_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:billing_paymentintent_change",
                              args=[intent.pk])).status_code == 200
    response = client.post(changelist, {"action": "action_cancel",
                                        "_selected_action": [intent.pk]})
    assert response.status_code == 302
    intent.refresh_from_db()
    assert intent.status == "cancelled"
    assert AuditEvent.objects.filter(action="online-payments.cancel",
                                     object_id=str(intent.uuid)).exists()


def test_the_pay_form_may_lead_to_the_gateways_site(demo, northwind, login):
    """The form posts here and is redirected to Stripe: form-action must allow that origin."""
    doc = make_doc(northwind, "PV-16")
    response = login(demo.users["owner"], northwind).get(reverse("billing:pay", args=[doc.uuid]))
    policy = response["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if p.strip().startswith("form-action"))
    assert "'self'" in form_action and "https://checkout.stripe.com" in form_action
    assert 'name="gateway" value="stripe"' in response.content.decode()


def test_without_any_gateway_nothing_is_offered(settings, demo, northwind, login):
    settings.PAYMENT_GATEWAYS = {}
    doc = make_doc(northwind, "PV-17")
    response = login(demo.users["owner"], northwind).get(reverse("billing:pay", args=[doc.uuid]))
    body = response.content.decode()
    assert "Online payment is not available at the moment." in body
    assert 'name="gateway"' not in body


def test_the_attempts_list_names_what_each_pays_for_and_when_it_was_paid(demo, northwind,
                                                                          login):
    from django.utils import timezone

    pending = PaymentIntent.objects.filter(organization=northwind,
                                           status=PaymentIntent.Status.PENDING).first()
    PaymentIntent.objects.filter(pk=pending.pk).update(
        status=PaymentIntent.Status.SUCCEEDED, completed_at=timezone.now())
    client = login(demo.users["owner"], northwind)
    page = client.get("/p/online-payments/").content.decode()
    body = page[page.index("<table"):page.index("</table>")]
    intents = PaymentIntent.objects.filter(organization=northwind).prefetch_related("documents")
    paid = [i for i in intents if i.status == PaymentIntent.Status.SUCCEEDED]
    for intent in intents:
        for doc in intent.documents.all():
            assert doc.number in body
    assert ">Documents<" not in body  # the scope's label no longer stands for the numbers
    not_paid = [i for i in intents if i.status != PaymentIntent.Status.SUCCEEDED
                and i.completed_at is not None]
    assert paid and not_paid
    from apps.client_portal.billing.online_resources import PaymentIntentResource

    assert PaymentIntentResource.value(not_paid[0], "paid_at") in (None, "")
    assert PaymentIntentResource.value(paid[0], "paid_at") == paid[0].completed_at
