"""A Viewer is offered no Pay, and a pay address typed by hand answers the portal's 403."""

import pytest
from django.urls import reverse
from django.utils import translation

from apps.client_portal.billing.models import FinancialDocument, PaymentIntent

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid(demo):
    from tests.billing.helpers import published

    doc = published(demo.organizations["northwind"], amount="240.00", number="RF-0001")
    assert doc.status in FinancialDocument.OPEN_STATUSES and doc.outstanding > 0
    return doc


@pytest.fixture
def pay_enabled(settings):
    from apps.client_portal.billing.gateways.fake_server import FAKE_MERCHANT

    settings.FAKE_GATEWAY_ENABLED = True
    settings.PAYMENT_GATEWAYS = {"redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "FAKE": True, "BASE_URL": "", **FAKE_MERCHANT}}
    return settings


def assert_branded_403(response, words):
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="topbar"' in body  # the portal's layout, not Django's bare page
    assert words in body
    assert "403 Forbidden" not in body


@pytest.mark.usefixtures("pay_enabled")
def test_a_viewer_asking_for_the_pay_page_by_url_gets_the_branded_403(demo, unpaid, login):
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    url = reverse("billing:pay", args=[unpaid.uuid])
    assert_branded_403(client.get(url), "not pay them")
    assert_branded_403(client.post(url, {"gateway": "redirect"}), "not pay them")
    assert_branded_403(client.get(reverse("billing:pay_balance", args=["RON"])), "not pay them")
    assert not PaymentIntent.objects.filter(documents=unpaid).exists()


@pytest.mark.usefixtures("pay_enabled")
def test_the_403_is_in_the_readers_language(demo, unpaid, login):
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    with translation.override("ro"):
        response = client.get(reverse("billing:pay", args=[unpaid.uuid]),
                              HTTP_ACCEPT_LANGUAGE="ro")
    assert response.status_code == 403
    assert '<html lang="ro"' in response.content.decode()


@pytest.mark.usefixtures("pay_enabled")
def test_a_viewer_sees_no_pay_link_where_a_member_does(demo, unpaid, login):
    northwind = demo.organizations["northwind"]
    pay = reverse("billing:pay", args=[unpaid.uuid])
    pages = [reverse("portal:list", args=["invoices"]),
             reverse("portal:detail", args=["invoices", unpaid.uuid])]
    member = login(demo.users["member"], northwind)
    assert any(pay in member.get(page).content.decode() for page in pages)
    viewer = login(demo.users["viewer"], northwind)
    for page in pages:
        response = viewer.get(page)
        assert response.status_code == 200
        assert "/billing/pay/" not in response.content.decode()
        assert "/billing/pay-balance/" not in response.content.decode()
