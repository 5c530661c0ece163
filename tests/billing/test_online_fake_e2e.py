"""End to end over HTTP: the portal on a live server, the fake gateway, a scripted customer.

Once with the fake mounted inside the portal (the demo's set-up) and once with it
as a separate loopback server (``manage.py fake_gateway``); the customer follows
every redirect the way a browser does.
"""

import datetime as dt
import re
import urllib.parse
from decimal import Decimal

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from apps.client_portal.billing import services
from apps.client_portal.billing.gateways.fake_server import FAKE_MERCHANT, running_fake_gateway
from apps.client_portal.billing.models import FinancialDocument, PaymentIntent
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def live_server():
    """The portal on the loopback, on a free port (as in tests/browser/conftest.py).

    Django's live server wraps the site in a media handler built from MEDIA_URL,
    which this project leaves unset; a URL with a host makes it step aside.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def demo_live(transactional_db, live_server):
    from tests.conftest import demo_data

    return demo_data()


def unpaid_invoice(organization, number, amount="321.00"):
    doc = services.create_document(
        organization=organization, kind="invoice", number=number,
        issue_date=timezone.localdate() - dt.timedelta(days=5),
        due_date=timezone.localdate() + dt.timedelta(days=25), currency="RON",
        lines=[{"description": "Maintenance visit", "quantity": Decimal("1"), "unit": "pc",
                "unit_price": Decimal(amount), "vat_rate": Decimal("0")}],
    )
    doc.publish()
    doc.save()
    return doc


def signed_in_session(client, live_server, user):
    """A requests session carrying the Django session of ``user`` on the live server."""
    client.force_login(user)
    http = requests.Session()
    host = urllib.parse.urlsplit(live_server.url).hostname
    http.cookies.set(django_settings.SESSION_COOKIE_NAME,
                     client.cookies[django_settings.SESSION_COOKIE_NAME].value, domain=host)
    return http


def pay_through_the_gateway(http, live_server, doc, choice="pay"):
    pay_url = f"{live_server.url}/billing/pay/{doc.uuid}/"
    page = http.get(pay_url)
    assert page.status_code == 200 and "321.00 RON" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    to_gateway = http.post(pay_url, data={"csrfmiddlewaretoken": token, "gateway": "redirect"},
                           headers={"Referer": pay_url}, allow_redirects=False)
    assert to_gateway.status_code == 302
    gateway_page = http.get(to_gateway.headers["Location"])
    assert gateway_page.status_code == 200 and "321.00 RON" in gateway_page.text
    action = re.search(r'<form method="post" action="([^"]+)"', gateway_page.text).group(1)
    back = http.post(urllib.parse.urljoin(gateway_page.url, action), data={"action": choice},
                     allow_redirects=False)
    assert back.status_code == 303
    return http.get(back.headers["Location"])


@pytest.fixture
def e2e_settings(settings, live_server):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # The separate fake notifies and returns to the portal only: the live server here.
    settings.PORTAL_BASE_URL = live_server.url
    return settings


@pytest.mark.parametrize("mounted", [True, False], ids=["mounted-in-portal", "separate-server"])
def test_paying_an_invoice_through_the_fake_gateway(e2e_settings, demo_live, live_server,
                                                    client, mounted):
    northwind = demo_live.organizations["northwind"]
    doc = unpaid_invoice(northwind, f"E2E-{int(mounted)}")
    gateway = {"BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
               **FAKE_MERCHANT}
    with running_fake_gateway() as (base, _app):
        e2e_settings.FAKE_GATEWAY_ENABLED = mounted
        e2e_settings.PAYMENT_GATEWAYS = {
            "redirect": dict(gateway, FAKE=True, BASE_URL="") if mounted
            else dict(gateway, BASE_URL=base)}
        http = signed_in_session(client, live_server, demo_live.users["owner"])
        back = pay_through_the_gateway(http, live_server, doc)
    assert back.status_code == 200
    assert 'data-testid="intent-status">Paid<' in back.text
    doc.refresh_from_db()
    assert (doc.status, doc.outstanding) == (FinancialDocument.Status.PAID, Decimal("0.00"))
    intent = PaymentIntent.objects.get(documents=doc)
    assert intent.status == "succeeded" and intent.payment.amount == Decimal("321.00")
    assert list(AuditEvent.objects.filter(object_id=str(intent.uuid)).order_by("id")
                .values_list("action", flat=True)) == [
        "online-payments.create", "online-payments.start", "online-payments.callback.succeeded"]


@pytest.mark.parametrize(("choice", "status", "label"), [
    ("cancel", "cancelled", "Cancelled"), ("decline", "failed", "Failed")])
def test_cancelling_or_declining_on_the_fake_gateway_comes_back_to_a_clear_state(
        e2e_settings, demo_live, live_server, client, choice, status, label):
    """No endless "waiting": the attempt is closed, nothing is paid, paying again is offered."""
    northwind = demo_live.organizations["northwind"]
    doc = unpaid_invoice(northwind, f"E2E-{choice.upper()}")
    e2e_settings.FAKE_GATEWAY_ENABLED = True
    e2e_settings.PAYMENT_GATEWAYS = {"redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "FAKE": True, "BASE_URL": "", **FAKE_MERCHANT}}
    http = signed_in_session(client, live_server, demo_live.users["owner"])
    back = pay_through_the_gateway(http, live_server, doc, choice=choice)
    assert f'data-testid="intent-status">{label}<' in back.text
    assert 'data-testid="pay-again"' in back.text and "hx-get" not in back.text
    doc.refresh_from_db()
    assert (doc.status, doc.paid, doc.outstanding) == ("unpaid", Decimal("0.00"),
                                                       Decimal("321.00"))
    assert not doc.allocations.exists()
    intent = PaymentIntent.objects.get(documents=doc)
    assert intent.status == status
    assert AuditEvent.objects.filter(object_id=str(intent.uuid),
                                     action=f"online-payments.callback.{status}").exists()
