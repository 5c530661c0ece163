"""The borrower's pages: list, detail tabs, downloads, the API, online repayment."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from apps.client_portal.billing.models import PaymentIntent
from apps.client_portal.loans.models import Loan, Repayment
from tests.billing.test_online_payment import fake_gateway, gateways, notify  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def borrower(demo, login):
    return login(demo.users["borrower_jan"], demo.organizations["borrower_jan"])


def _loan(number):
    return Loan.objects.get(number=number)


def test_list_shows_the_borrowers_loans_only(borrower):
    html = borrower.get(reverse("portal:list", args=["loans"])).content.decode()
    for number in ("PL-2025-0001", "PL-2024-0002", "PL-2026-0003"):
        assert number in html
    assert "PL-2025-0104" not in html and "PL-2025-0201" not in html
    assert "Instalment loan" in html and "To be disbursed" in html


@pytest.mark.parametrize("tab, expect", [
    ("details", ["Total debt", "Current arrears", "Penalty interest rate", "APR (RRSO)",
                 "loan-balance-data"]),
    ("schedule", ["Principal", "Interest", "Total", "APR (RRSO)"]),
    ("repayments", ["Penalty interest", "Deposit"]),
    ("documents", ["Schedule (PDF)", "Repayments (CSV)"]),
])
def test_detail_tabs(borrower, tab, expect):
    loan = _loan("PL-2025-0001")
    response = borrower.get(loan.get_absolute_url() + f"?tab={tab}")
    assert response.status_code == 200
    html = response.content.decode()
    for text in expect:
        assert text in html, text
    assert str(loan.uuid) not in html.replace(f"/p/loans/{loan.uuid}/", "").replace(
        f"/loans/{loan.uuid}/", "")


def test_schedule_csv_and_pdf(borrower):
    loan = _loan("PL-2025-0001")
    response = borrower.get(reverse("loans:download", args=[loan.uuid, "schedule.csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 1 + loan.instalments
    assert sum(D(r[2]) for r in rows[1:]) == loan.amount
    pdf = borrower.get(reverse("loans:download", args=[loan.uuid, "repayments.pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert borrower.get(reverse("loans:download", args=[loan.uuid, "other.exe"])).status_code \
        == 404


def test_api_schedule_and_repayments(borrower):
    loan = _loan("PL-2025-0001")
    rows = borrower.get(f"/api/v1/loans/{loan.uuid}/schedule/").json()
    assert [set(r) for r in rows[:1]] == [{"number", "due_date", "principal", "interest",
                                           "total"}]
    assert sum(D(r["principal"]) for r in rows) == loan.amount
    assert all(D(r["total"]) == D(r["principal"]) + D(r["interest"]) for r in rows)
    repayments = borrower.get(f"/api/v1/loans/{loan.uuid}/repayments/").json()
    assert len(repayments) == 3 and {"penalty", "deposit"} <= set(repayments[0])


def test_pay_through_the_fake_gateway_allocates(borrower, gateways):  # noqa: F811
    loan = _loan("PL-2025-0001")
    penalty_before = loan.penalty_accrued
    page = borrower.get(reverse("loans:pay", args=[loan.uuid]))
    assert page.status_code == 200 and b"loan-pay-form" in page.content
    response = borrower.post(reverse("loans:pay", args=[loan.uuid]),
                             {"amount": "150.00", "description": "March", "gateway": "redirect"})
    assert response.status_code == 302
    intent = PaymentIntent.objects.get(payable=f"loans:{loan.uuid}")
    assert intent.amount == D("150.00") and intent.scope == PaymentIntent.Scope.PAYABLE
    assert notify(borrower, gateways, intent).status_code == 200
    repayment = Repayment.objects.get(loan=loan, source=Repayment.Source.ONLINE)
    assert repayment.amount == D("150.00")
    assert repayment.penalty == min(penalty_before, D("150.00"))  # penalty first
    # A replayed notification records nothing more.
    notify(borrower, gateways, intent)
    assert Repayment.objects.filter(loan=loan, source=Repayment.Source.ONLINE).count() == 1
    html = borrower.get(loan.get_absolute_url() + "?tab=repayments").content.decode()
    assert "150.00" in html


def test_pay_refuses_bad_amounts_and_closed_loans(borrower, gateways):  # noqa: F811
    loan = _loan("PL-2025-0001")
    response = borrower.post(reverse("loans:pay", args=[loan.uuid]),
                             {"amount": "-3", "gateway": "redirect"})
    assert response.status_code == 400 and not PaymentIntent.objects.filter(
        payable=f"loans:{loan.uuid}").exists()
    repaid = _loan("PL-2024-0002")
    page = borrower.get(reverse("loans:pay", args=[repaid.uuid]))
    assert b"pay-problem" in page.content



def test_money_for_a_loan_closed_meanwhile_is_held_never_lost(borrower, gateways):  # noqa: F811
    """The loan closed between the start of the payment and the gateway's word: the money
    is kept whole as the loan's deposit for staff, audited, and the gateway hears 200."""
    from apps.client_portal.core.models import AuditEvent

    loan = _loan("PL-2025-0001")
    response = borrower.post(reverse("loans:pay", args=[loan.uuid]),
                             {"amount": "75.25", "gateway": "redirect"})
    assert response.status_code == 302
    intent = PaymentIntent.objects.get(payable=f"loans:{loan.uuid}")
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.WRITTEN_OFF)
    deposit_before = loan.deposit
    assert notify(borrower, gateways, intent).status_code == 200
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    held = Repayment.objects.get(loan=loan, source=Repayment.Source.ONLINE)
    assert held.amount == held.deposit == D("75.25")
    assert held.principal == held.interest == held.penalty == held.other == D("0")
    assert [(line.component, line.amount) for line in held.lines.all()] == [
        ("deposit", D("75.25"))]
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF
    assert loan.deposit == deposit_before + D("75.25")
    event = AuditEvent.objects.get(action="loans.repayment_held")
    assert event.changes["amount"] == "75.25" and event.changes["status"] == "written_off"
    # The gateway repeating itself records nothing more.
    assert notify(borrower, gateways, intent).status_code == 200
    assert Repayment.objects.filter(loan=loan, source=Repayment.Source.ONLINE).count() == 1


def test_list_rows_link_to_the_loan(borrower):
    html = borrower.get(reverse("portal:list", args=["loans"])).content.decode()
    assert _loan("PL-2025-0001").get_absolute_url() in html


def test_schedule_shows_each_instalments_status(borrower):
    """Paid, overdue, not yet due: from the rows' paid amounts (kept by the allocations)."""
    import re

    from django.utils import timezone

    from apps.client_portal.loans import services

    loan = _loan("PL-2025-0001")
    rows = services.current_rows(loan)
    today = timezone.localdate()
    expected = ["paid" if r.paid_principal + r.paid_interest >= r.total
                else "overdue" if r.due_date < today
                else "partially-paid" if r.paid_principal + r.paid_interest
                else "scheduled" for r in rows]
    assert {"paid", "overdue"} <= set(expected), expected  # the demo has both
    html = borrower.get(loan.get_absolute_url() + "?tab=schedule").content.decode()
    assert re.findall(r'data-status="([a-z-]+)"', html) == expected
    assert ">Paid<" in html and ">Overdue<" in html and "Status" in html


def test_dashboard_card_says_the_loan_is_overdue(borrower):
    from apps.client_portal.loans import services

    loan = _loan("PL-2025-0001")
    pos = services.position(loan)
    assert pos["arrears"] > 0
    html = borrower.get(reverse("portal:dashboard")).content.decode()
    assert "Loan PL-2025-0001 overdue" in html
    assert f"{pos['days_past_due']} days past due" in html
