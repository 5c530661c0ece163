"""Loans in the database: disbursement, repayments, reversal, reschedule, limits, the job."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.loans import engine, services
from apps.client_portal.loans.models import (
    Loan,
    LoanProduct,
    PenaltyAccrual,
    ReferenceRate,
    Repayment,
    ScheduleVersion,
)

pytestmark = pytest.mark.django_db


def test_demo_borrower_has_the_three_loans(jan):
    _org, loans = jan
    assert loans["PL-2025-0001"].status == Loan.Status.ACTIVE
    assert loans["PL-2024-0002"].status == Loan.Status.REPAID
    assert loans["PL-2026-0003"].status == Loan.Status.TO_BE_DISBURSED
    active = loans["PL-2025-0001"]
    pos = services.position(active)
    assert pos["arrears"] > 0 and pos["days_past_due"] > 30
    assert active.penalty_accrued > 0          # the daily job ran in the demo
    assert active.apr > active.annual_rate     # the fee makes the APR higher than the rate


def test_schedule_stored_matches_engine(jan):
    _org, loans = jan
    loan = loans["PL-2025-0001"]
    rows = services.current_rows(loan)
    expected = engine.schedule(loan.terms())
    assert [(r.due_date, r.principal, r.interest) for r in rows] == [
        (e.due_date, e.principal, e.interest) for e in expected]


def test_repayment_allocation_then_reversal_restores(jan, demo):
    _org, loans = jan
    loan = loans["PL-2025-0001"]
    before = services.ledger_of(loan).snapshot()
    penalty = loan.penalty_accrued
    rep = services.record_repayment(loan, amount=D("100.00"), date=timezone.localdate(),
                                    source=Repayment.Source.STAFF, reference="T-1",
                                    by=demo.users["admin"])
    assert rep.penalty == min(penalty, D("100.00"))   # penalty first (art. 451)
    assert rep.principal + rep.interest + rep.penalty + rep.other + rep.deposit == D("100.00")
    # The same reference again records nothing more.
    again = services.record_repayment(loan, amount=D("100.00"), date=timezone.localdate(),
                                      source=Repayment.Source.STAFF, reference="T-1")
    assert again.pk == rep.pk and Repayment.objects.filter(reference="T-1").count() == 1
    services.reverse_repayment(rep, by=demo.users["admin"])
    loan.refresh_from_db()
    assert services.ledger_of(loan).snapshot() == before
    assert AuditEvent.objects.filter(action="loans.repayment_reverse").exists()


def test_overpayment_closes_the_loan_and_keeps_a_deposit(jan, demo):
    _org, loans = jan
    loan = loans["PL-2025-0001"]
    debt = services.position(loan)["total_debt"]
    services.record_repayment(loan, amount=debt + D("10.00"), date=timezone.localdate(),
                              source=Repayment.Source.STAFF, reference="T-ALL")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.REPAID and loan.deposit == D("10.00")


def test_staff_refund_the_deposit_recorded_audited_and_never_more_than_it(jan, demo, client):
    from django.urls import reverse

    from apps.client_portal.loans.models import DepositRefund

    _org, loans = jan
    loan = loans["PL-2025-0001"]
    debt = services.position(loan)["total_debt"]
    services.record_repayment(loan, amount=debt + D("10.00"), date=timezone.localdate(),
                              source=Repayment.Source.STAFF, reference="T-OVER")
    loan.refresh_from_db()
    assert loan.deposit == D("10.00")
    with pytest.raises(Refused) as refused:  # more than the deposit: refused, nothing kept
        services.refund_deposit(loan, amount=D("10.01"), date=timezone.localdate(),
                                reference="R-1", by=demo.users["admin"])
    assert "10.00" in refused.value.message and "10.01" in refused.value.message
    loan.refresh_from_db()
    assert loan.deposit == D("10.00") and not DepositRefund.objects.exists()

    # Staff use the back office page: part of it, then the rest; a second try is refused.
    client.force_login(demo.users["admin"])
    url = reverse("admin:loans_loan_refund_deposit", args=[loan.pk])
    page = client.get(url)
    assert page.status_code == 200 and "10.00" in page.content.decode()
    day = timezone.localdate().isoformat()
    answer = client.post(url, {"amount": "4.00", "date": day, "reference": "TR-0001"})
    assert answer.status_code == 302
    loan.refresh_from_db()
    assert loan.deposit == D("6.00")
    refund = DepositRefund.objects.get()
    assert (refund.amount, refund.reference, refund.organization_id, refund.created_by) == (
        D("4.00"), "TR-0001", loan.organization_id, demo.users["admin"])
    event = AuditEvent.objects.filter(action="loans.deposit_refund").get()
    assert event.changes["amount"] == "4.00" and event.changes["deposit"] == "6.00"
    again = client.post(url, {"amount": "6.50", "date": day, "reference": "TR-0002"})
    assert again.status_code == 200 and "is more than it" in again.content.decode()
    loan.refresh_from_db()
    assert loan.deposit == D("6.00") and DepositRefund.objects.count() == 1
    assert client.get(reverse("admin:loans_loan_change", args=[loan.pk])).status_code == 200


def test_reschedule_needs_another_approver_and_keeps_the_old_version(demo):
    maria = demo.organizations["borrower_maria"]
    loan = Loan.objects.get(organization=maria)
    start = timezone.localdate()
    version = services.propose_reschedule(loan, starts_on=start, instalments=18,
                                          by=demo.users["admin"])
    with pytest.raises(Refused):
        services.approve_reschedule(version, by=demo.users["admin"])
    services.approve_reschedule(version, by=demo.users["billing"])
    states = dict(loan.schedule_versions.values_list("version", "state"))
    assert states == {1: ScheduleVersion.State.SUPERSEDED, 2: ScheduleVersion.State.CURRENT}
    rows = services.current_rows(loan)
    loan.refresh_from_db()
    assert sum(r.principal for r in rows) == loan.amount
    assert sum(r.principal - r.paid_principal for r in rows) == loan.principal_outstanding
    balances = [r.balance for r in rows]
    assert balances == sorted(balances, reverse=True) and balances[-1] == 0


def test_limits_refuse_a_loan_above_them(demo):
    product = LoanProduct.objects.get(name="Instalment loan")
    day = dt.date(2025, 11, 1)
    reference = ReferenceRate.on(day)
    loan = Loan(organization=demo.organizations["borrower_maria"], number="X-1",
                product=product, amount=D("1000"), instalments=12,
                annual_rate=engine.max_interest_rate(reference) + D("0.01"),
                penalty_rate=engine.max_penalty_rate(reference) + 1, fees=D("400"),
                disbursement_date=day)
    with pytest.raises(ValidationError) as info:
        loan.full_clean()
    errors = info.value.message_dict
    assert set(errors) >= {"annual_rate", "penalty_rate", "fees"}
    assert "statutory maximum" in errors["annual_rate"][0]


def test_product_above_the_limit_is_refused(demo):
    product = LoanProduct(name="Too dear", annual_rate=D("40"), penalty_rate=D("10"))
    with pytest.raises(ValidationError) as info:
        product.full_clean()
    assert "annual_rate" in info.value.message_dict


def test_accrual_is_idempotent_and_capped_across_a_rate_change(demo):
    maria = demo.organizations["borrower_maria"]
    loan = Loan.objects.get(organization=maria)
    ReferenceRate.objects.all().delete()
    today = timezone.localdate()
    change = today + dt.timedelta(days=40)
    ReferenceRate.objects.create(valid_from=dt.date(2020, 1, 1), rate=D("5.00"))
    ReferenceRate.objects.create(valid_from=change, rate=D("2.00"))
    loan.penalty_rate = D("25.00")        # above both caps (21 % then 15 %)
    loan.save(update_fields=["penalty_rate"])
    end = today + dt.timedelta(days=80)
    before = PenaltyAccrual.objects.count()
    first = services.accrue_penalties(end)
    assert first["accruals"] == PenaltyAccrual.objects.count() - before > 0
    rows = list(PenaltyAccrual.objects.filter(loan=loan).order_by("day"))
    assert rows
    assert {r.rate for r in rows if r.day < change} <= {D("21.0000")}
    assert {r.rate for r in rows if r.day >= change} == {D("15.0000")}
    loan.refresh_from_db()
    assert loan.penalty_accrued == sum(r.amount for r in rows).quantize(D("0.01"))
    # A second run (a restart) adds nothing.
    assert services.accrue_penalties(end) == {"days": 0, "accruals": 0}
    assert PenaltyAccrual.objects.count() == before + first["accruals"]
    # Running one day again directly inserts nothing new either.
    services.accrue_day(end)
    assert PenaltyAccrual.objects.filter(loan=loan).count() == len(rows)


def test_the_daily_command_catches_up_and_then_does_nothing(demo):
    from io import StringIO

    from django.core.management import call_command

    later = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    out = StringIO()
    call_command("accrue_loan_penalties", through=later, stdout=out)
    assert out.getvalue().startswith("5 days")
    out = StringIO()
    call_command("accrue_loan_penalties", through=later, stdout=out)
    assert out.getvalue().strip() == "0 days, 0 accruals"


def test_client_zone_access_creates_the_person_and_sends_the_password(demo):
    from django.contrib.auth import get_user_model

    from apps.client_portal.accounts import sms
    from apps.client_portal.core.models import Membership, Organization

    org = Organization(kind="person", name="Piotr Przykład", country="PL",
                       registration_number="85031512344", email="piotr.przyklad@example.com",
                       phone="+48601000666")
    org.full_clean()
    org.save()
    product = LoanProduct.objects.get(name="Instalment loan")
    loan = Loan(organization=org, number="PL-2026-0777", product=product, amount=D("2000"),
                instalments=6, annual_rate=D("10"), penalty_rate=D("15"),
                disbursement_date=timezone.localdate())
    loan.full_clean()
    loan.save()
    services.grant_client_access(loan, by=demo.users["admin"])
    user = get_user_model().objects.get(email="piotr.przyklad@example.com")
    loan.refresh_from_db()
    assert loan.borrower == user and user.must_change_password
    assert user.national_id == "85031512344"
    assert Membership.objects.filter(user=user, organization=org).exists()
    assert sms.outbox[-1]["to"] == "+48601000666"
    assert AuditEvent.objects.filter(action="loans.borrower").exists()


def test_the_products_fee_applies_unless_the_loan_names_its_costs(demo):
    product = LoanProduct.objects.get(name="Instalment loan")
    product.fee_percent = D("5")
    product.save()
    loan = Loan(organization=demo.organizations["borrower_maria"], number="F-1",
                product=product, amount=D("1000"), instalments=12,
                disbursement_date=timezone.localdate())
    loan.full_clean()
    assert (loan.fees, loan.annual_rate, loan.penalty_rate) == (
        D("50.00"), product.annual_rate, product.penalty_rate)
