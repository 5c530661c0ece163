"""A client pays an invoice through the fake gateway and sees it paid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.client_portal.billing import services
from apps.client_portal.billing.gateways.fake_server import FAKE_MERCHANT
from apps.client_portal.billing.models import FinancialDocument, PaymentIntent

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_gateway_in_portal(browser_settings):
    browser_settings.FAKE_GATEWAY_ENABLED = True
    browser_settings.PAYMENT_GATEWAYS = {"redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "FAKE": True, "BASE_URL": "", **FAKE_MERCHANT}}
    return browser_settings


def test_owner_pays_an_unpaid_invoice_online(page, demo_live, sign_in, shot, live_server,
                                             fake_gateway_in_portal):
    northwind = demo_live.organizations["northwind"]
    doc = services.create_document(
        organization=northwind, kind="invoice", number="NW-ONLINE-0001",
        issue_date=timezone.localdate() - dt.timedelta(days=3),
        due_date=timezone.localdate() + dt.timedelta(days=27), currency="RON",
        lines=[{"description": "Support, one month", "quantity": Decimal("2"), "unit": "h",
                "unit_price": Decimal("123.45"), "vat_rate": Decimal("19")}],
    )
    doc.publish()
    doc.save()
    assert doc.total == Decimal("293.81")

    sign_in(page, "owner@northwind.example.com")
    page.goto(f"/p/invoices/{doc.uuid}/")
    page.get_by_test_id("pay-link").click()

    expect(page.get_by_test_id("pay-amount")).to_have_text("293.81 RON")
    shot(page, "confirm")
    page.get_by_role("button", name="Pay 293.81 RON").click()

    # The fake gateway's page: the customer pays.
    expect(page.get_by_test_id("fake-amount")).to_have_text("293.81 RON")
    shot(page, "gateway")
    page.get_by_role("button", name="Pay", exact=True).click()

    # Back in the portal: the state comes from the verified notification.
    expect(page.get_by_test_id("intent-status")).to_have_text("Paid")
    expect(page.get_by_test_id("pay-result")).to_contain_text("293.81")
    shot(page, "returned")

    page.get_by_role("link", name="Back to the invoice").click()
    def field(label):
        return page.locator("dl.head-figures > div, dl.summary > div").filter(
            has=page.locator("dt", has_text=label)).locator("dd").first

    expect(field("Status")).to_have_text("Paid")
    expect(field("Outstanding")).to_have_text("0.00 RON")
    expect(page.get_by_test_id("pay-link")).to_have_count(0)

    doc.refresh_from_db()
    assert (doc.status, doc.paid, doc.outstanding) == (
        FinancialDocument.Status.PAID, Decimal("293.81"), Decimal("0.00"))
    intent = PaymentIntent.objects.get(documents=doc)
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert intent.payment.allocations.get().document == doc
