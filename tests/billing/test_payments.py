"""Payments: allocation (partial, several documents, over-payment), idempotent recording,
balances per currency and at a date."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument, Payment, PaymentAllocation
from apps.client_portal.core.models import AuditEvent

from .helpers import draft, organization, published

pytestmark = pytest.mark.django_db
D = Decimal
S = FinancialDocument.Status


def pay(org, amount, currency="RON", reference="P-1", date=dt.date(2026, 2, 1), **kwargs):
    return services.record_payment(organization=org, amount=D(amount), currency=currency,
                                   method=Payment.Method.BANK_TRANSFER, reference=reference,
                                   paid_at=date, **kwargs)


def test_a_partial_payment_leaves_the_rest_outstanding():
    org = organization()
    doc = published(org, amount="100.00", vat_rate="19")  # 119.00
    payment = pay(org, "50.00")
    doc.refresh_from_db()
    assert (doc.paid, doc.outstanding, doc.status) == (D("50.00"), D("69.00"), S.PARTIALLY_PAID)
    assert payment.allocated == D("50.00") and payment.unallocated == D("0.00")
    pay(org, "69.00", reference="P-2")
    doc.refresh_from_db()
    assert (doc.paid, doc.outstanding, doc.status) == (D("119.00"), D("0.00"), S.PAID)


def test_one_payment_settles_several_documents_oldest_due_first():
    org = organization()
    late = published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 20))
    early = published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 5))
    middle = published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 10))
    payment = pay(org, "250.00")
    for doc in (early, middle, late):
        doc.refresh_from_db()
    assert [early.status, middle.status, late.status] == [S.PAID, S.PAID, S.PARTIALLY_PAID]
    assert late.outstanding == D("50.00")
    assert list(payment.allocations.order_by("id").values_list("document__number", "amount")) == [
        (early.number, D("100.00")), (middle.number, D("100.00")), (late.number, D("50.00"))]


def test_named_documents_are_settled_first():
    org = organization()
    old = published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 1))
    chosen = published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 15))
    pay(org, "100.00", documents=[chosen])
    old.refresh_from_db()
    chosen.refresh_from_db()
    assert chosen.status == S.PAID and old.status == S.UNPAID


def test_an_over_payment_stays_as_a_credit_on_the_balance():
    org = organization()
    doc = published(org, amount="100.00", vat_rate="19")
    payment = pay(org, "200.00")
    doc.refresh_from_db()
    assert doc.status == S.PAID and doc.outstanding == D("0.00")
    assert payment.allocated == D("119.00")
    assert payment.unallocated == D("81.00")
    assert services.balance(org, dt.date(2026, 2, 1)) == {"RON": D("-81.00")}


def test_a_credit_is_used_when_the_next_invoice_is_published(settings):
    org = organization()
    pay(org, "30.00")  # nothing to settle yet: all credit
    doc = draft(org, amount="100.00", vat_rate="0")
    doc = services.publish_document(doc, notify_members=False)
    assert (doc.paid, doc.outstanding, doc.status) == (D("30.00"), D("70.00"),
                                                       S.PARTIALLY_PAID)
    assert Payment.objects.get(reference="P-1").unallocated == D("0.00")


def test_recording_the_same_reference_twice_allocates_once():
    org = organization()
    doc = published(org, amount="100.00", vat_rate="0")
    first = pay(org, "40.00", reference="BANK-77")
    second = pay(org, "40.00", reference="BANK-77")
    assert first.pk == second.pk
    assert Payment.objects.filter(organization=org).count() == 1
    assert PaymentAllocation.objects.filter(document=doc).count() == 1
    doc.refresh_from_db()
    assert doc.paid == D("40.00")
    assert AuditEvent.objects.filter(action="billing.payment.record",
                                     object_id=str(first.uuid)).count() == 1


def test_the_same_reference_in_another_organization_is_another_payment():
    a, b = organization(), organization()
    assert pay(a, "1.00", reference="R").pk != pay(b, "1.00", reference="R").pk


def test_payments_only_settle_documents_of_their_currency():
    org = organization()
    eur = published(org, amount="100.00", vat_rate="0", currency="EUR")
    payment = pay(org, "100.00", currency="RON")
    eur.refresh_from_db()
    assert eur.status == S.UNPAID and payment.unallocated == D("100.00")


def test_balances_are_per_currency_and_credit_notes_subtract():
    org = organization()
    invoice = published(org, amount="1000.00", vat_rate="19")  # 1190.00 RON
    published(org, amount="200.00", vat_rate="20", currency="EUR")  # 240.00 EUR
    published(org, amount="50.00", vat_rate="19", kind="credit_note", related=invoice)  # 59.50
    pay(org, "100.00", currency="EUR", reference="E-1")
    draft(org, amount="999.00")  # a draft counts for nothing
    assert services.balance(org, dt.date(2026, 3, 1)) == {
        "EUR": D("140.00"), "RON": D("1130.50")}


def test_balance_at_a_date_counts_what_happened_until_then():
    org = organization()
    published(org, amount="100.00", vat_rate="0", issue=dt.date(2026, 1, 1))
    published(org, amount="50.00", vat_rate="0", issue=dt.date(2026, 2, 1))
    pay(org, "30.00", date=dt.date(2026, 1, 15))
    assert services.balance(org, dt.date(2025, 12, 31)) == {}
    assert services.balance(org, dt.date(2026, 1, 1)) == {"RON": D("100.00")}
    assert services.balance(org, dt.date(2026, 1, 15)) == {"RON": D("70.00")}
    assert services.balance(org, dt.date(2026, 2, 1)) == {"RON": D("120.00")}


def test_cancelled_documents_leave_the_balance():
    org = organization()
    doc = published(org, amount="100.00", vat_rate="0")
    services.cancel_document(doc)
    doc.refresh_from_db()
    assert doc.status == S.CANCELLED and doc.outstanding == D("0.00")
    assert services.balance(org, dt.date(2026, 3, 1)) == {}


def test_a_document_with_payments_cannot_be_cancelled():
    from apps.client_portal.core.errors import Refused

    org = organization()
    doc = published(org, amount="100.00", vat_rate="0")
    pay(org, "10.00")
    with pytest.raises(Refused) as caught:
        services.cancel_document(doc)
    assert caught.value.code == "not_allowed"


def test_overdue_is_decided_by_todays_date():
    org = organization()
    doc = published(org, amount="10.00", vat_rate="0", issue=dt.date(2020, 1, 1))
    assert doc.is_overdue and doc.display_status == "Overdue"
    assert FinancialDocument.objects.overdue().filter(pk=doc.pk).exists()
    assert services.overdue_totals(org) == {"RON": D("10.00")}


def test_a_recorded_payment_and_an_import_are_events_for_webhooks(
        django_capture_on_commit_callbacks):
    """Besides each resource's own events, a payment received and an import completed."""
    from apps.client_portal.billing.importer import import_documents
    from apps.client_portal.core import events
    from apps.client_portal.core.registry import registry

    seen = []

    def receiver(sender, event, **kwargs):
        seen.append(event)

    events.event_emitted.connect(receiver)
    try:
        org = organization()
        org.client_code = "C-EVT"
        org.save()
        with django_capture_on_commit_callbacks(execute=True):
            payment = pay(org, "12.00", reference="EVT-1")
        with django_capture_on_commit_callbacks(execute=True):
            result = import_documents(
                b"client_code,kind,number,issue_date,due_date,currency,net,vat,total\n"
                b"C-EVT,invoice,EVT-INV-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00\n",
                "events.csv")
        assert result.ok, result.errors
    finally:
        events.event_emitted.disconnect(receiver)
    types = {e.type: e for e in seen}
    assert types["payments.received"].organization == org
    assert types["payments.received"].data == {"resource": "payments", "id": str(payment.uuid)}
    assert types["imports.completed"].organization is None
    assert types["imports.completed"].data["created"] == 1
    offered = dict(registry.event_types())
    assert {"payments.received", "imports.completed"} <= set(offered)
