"""Back office: lines inline recalculate a draft, publish and allocate actions, and the
Billing clerk group's permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from apps.client_portal.billing.models import FinancialDocument, Payment
from apps.client_portal.core.management.commands.sync_roles import sync_roles
from apps.client_portal.core.models import AuditEvent

from .helpers import draft, member, organization, published, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client):
    sync_roles()
    person = user(is_staff=True)
    person.groups.add(Group.objects.get(name="Billing clerk"))
    client.force_login(person)
    return client


def test_the_clerk_publishes_drafts_from_the_list(clerk):
    org = organization()
    member(org)
    doc = draft(org)
    done = published(org)
    response = clerk.post("/admin/billing/financialdocument/", {
        "action": "action_publish", "_selected_action": [doc.pk, done.pk]})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == FinancialDocument.Status.UNPAID and doc.pdf_id
    assert AuditEvent.objects.filter(action="invoices.publish",
                                     object_id=str(doc.uuid)).count() == 1


def test_a_payment_added_in_the_back_office_is_allocated(clerk):
    org = organization()
    doc = published(org, amount="100.00", vat_rate="0")
    response = clerk.post("/admin/billing/payment/add/", {
        "organization": org.pk, "date": "2026-02-01", "amount": "60.00", "currency": "RON",
        "method": "bank_transfer", "reference": "ADM-1", "note": "",
        "allocations-TOTAL_FORMS": "0", "allocations-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get(reference="ADM-1")
    assert payment.allocated == Decimal("60.00")
    doc.refresh_from_db()
    assert doc.status == FinancialDocument.Status.PARTIALLY_PAID


def test_the_allocate_action_uses_left_over_credit(clerk):
    org = organization()
    payment = Payment.objects.create(organization=org, date=dt.date(2026, 1, 1),
                                     amount=Decimal("50.00"), currency="RON",
                                     reference="OLD-CREDIT")
    doc = published(org, amount="80.00", vat_rate="0")
    clerk.post("/admin/billing/payment/", {"action": "allocate",
                                           "_selected_action": [payment.pk]})
    doc.refresh_from_db()
    assert doc.paid == Decimal("50.00")


def test_a_published_document_is_read_only_in_the_back_office(clerk):
    doc = published(organization())
    page = clerk.get(f"/admin/billing/financialdocument/{doc.pk}/change/").content.decode()
    assert 'name="total"' not in page and 'name="number"' not in page
    assert clerk.get(f"/admin/billing/financialdocument/{draft(organization()).pk}/change/"
                     ).status_code == 200
