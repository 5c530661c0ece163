"""The invoice list (filters, quick views, search), payments, tariffs, dashboard cards."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument, Payment, Tariff
from apps.client_portal.core.tenancy import Role

from .helpers import draft, member, organization, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    org = organization("Books SRL")
    viewer = member(org, Role.VIEWER)
    today = dt.date.today()
    published(org, amount="100.00", vat_rate="0", number="L-OVERDUE",
              issue=today - dt.timedelta(days=60))
    published(org, amount="100.00", vat_rate="0", number="L-OPEN", issue=today)
    paid = published(org, amount="40.00", vat_rate="0", number="L-PAID", currency="EUR",
                     issue=today - dt.timedelta(days=5))
    services.record_payment(organization=org, amount=Decimal("40.00"), currency="EUR",
                            method=Payment.Method.CARD, reference="CARD-1", paid_at=today,
                            documents=[paid])
    draft(org, number="L-DRAFT")
    return org, viewer


def numbers(response):
    body = response.content.decode()
    return {n for n in ["L-OVERDUE", "L-OPEN", "L-PAID", "L-DRAFT"] if n in body}


def test_quick_views_and_filters(books, login):
    org, viewer = books
    client = login(viewer, org)
    assert numbers(client.get("/p/invoices/")) == {"L-OVERDUE", "L-OPEN", "L-PAID"}
    assert numbers(client.get("/p/invoices/?view=unpaid")) == {"L-OVERDUE", "L-OPEN"}
    assert numbers(client.get("/p/invoices/?view=overdue")) == {"L-OVERDUE"}
    assert numbers(client.get("/p/invoices/?view=paid")) == {"L-PAID"}
    assert numbers(client.get("/p/invoices/?status=overdue")) == {"L-OVERDUE"}
    assert numbers(client.get("/p/invoices/?status=paid")) == {"L-PAID"}
    assert numbers(client.get("/p/invoices/?currency=EUR")) == {"L-PAID"}
    assert numbers(client.get("/p/invoices/?total__gte=50")) == {"L-OVERDUE", "L-OPEN"}
    assert numbers(client.get("/p/invoices/?search=open")) == {"L-OPEN"}
    today = dt.date.today().isoformat()
    assert numbers(client.get(f"/p/invoices/?issue_date__gte={today}")) == {"L-OPEN"}
    assert numbers(client.get("/p/invoices/?status=draft")) == set()
    listing = client.get("/p/invoices/?view=overdue").content.decode()
    assert "Overdue" in listing


def test_export_follows_the_filters(books, login):
    org, viewer = books
    client = login(viewer, org)
    response = client.get("/p/invoices/export.csv?view=unpaid")
    body = b"".join(response.streaming_content).decode()
    assert "L-OVERDUE" in body and "L-OPEN" in body and "L-PAID" not in body


def test_the_api_list_agrees(books, login):
    org, viewer = books
    client = login(viewer, org)
    data = client.get("/api/v1/invoices/?view=overdue").json()
    assert [row["number"] for row in data["results"]] == ["L-OVERDUE"]
    assert data["results"][0]["line_items"][0]["net"] == "100.00"


def test_payments_list_and_detail(books, login):
    org, viewer = books
    client = login(viewer, org)
    body = client.get("/p/payments/").content.decode()
    assert "CARD-1" in body
    payment = Payment.objects.get(reference="CARD-1")
    detail = client.get(f"/p/payments/{payment.uuid}/").content.decode()
    assert "Invoice L-PAID" in detail


def test_dashboard_cards(books, login):
    org, viewer = books
    client = login(viewer, org)
    body = client.get("/").content.decode()
    assert "Balance RON" in body and "200.00 RON" in body
    assert "Overdue" in body and "100.00 RON" in body
    assert "Due next" in body and "L-OPEN" in body


def test_tariffs_are_the_same_for_every_client_and_hide_inactive_ones(books, login):
    org, viewer = books
    Tariff.objects.create(name="Night kWh", unit="kWh", price=Decimal("0.5"), currency="RON",
                          valid_from=dt.date(2026, 1, 1))
    Tariff.objects.create(name="Secret list", unit="kWh", price=Decimal("0.1"), currency="RON",
                          valid_from=dt.date(2026, 1, 1), is_active=False)
    other = organization()
    for person, where in [(viewer, org), (member(other), other)]:
        body = login(person, where).get("/p/tariffs/").content.decode()
        assert "Night kWh" in body and "Secret list" not in body


def test_the_invoice_detail_shows_lines_and_preview(books, login):
    org, viewer = books
    client = login(viewer, org)
    doc = FinancialDocument.objects.filter(organization=org).get(number="L-OPEN")
    body = client.get(f"/p/invoices/{doc.uuid}/").content.decode()
    assert "Service" in body and "Print preview" in body
    hidden = FinancialDocument.objects.filter(organization=org).get(number="L-DRAFT")
    assert client.get(f"/p/invoices/{hidden.uuid}/").status_code == 404
