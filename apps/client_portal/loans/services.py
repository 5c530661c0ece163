"""What happens to a loan: disbursement, repayments and their reversal, reschedules,
write-off and termination, client-zone access, and the daily penalty accrual.

Each operation locks the loan, works on an ``engine.Ledger`` built from the stored
schedule, writes the result back and records an audit event. Portal, API, bank
statement import and staff all come here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DecimalField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from apps.client_portal.core import audit
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import lock

from . import engine
from .models import (
    AllocationLine,
    DepositRefund,
    Instalment,
    Loan,
    PenaltyAccrual,
    ReferenceRate,
    Repayment,
    ScheduleVersion,
    rate_in_table,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=20, decimal_places=6)


# --- reading --------------------------------------------------------------------------
def current_schedule(loan: Loan) -> ScheduleVersion | None:
    return loan.schedule_versions.filter(state=ScheduleVersion.State.CURRENT).first()


def current_rows(loan: Loan) -> list[Instalment]:
    schedule = current_schedule(loan)
    return list(schedule.rows.order_by("number")) if schedule else []


def ledger_of(loan: Loan, rows: list[Instalment] | None = None) -> engine.Ledger:
    rows = current_rows(loan) if rows is None else rows
    starts = ([loan.disbursement_date] + [r.due_date for r in rows])[:len(rows)]
    return engine.Ledger(
        dues=[engine.Due(r.number, r.due_date, r.principal, r.interest, r.paid_principal,
                         r.paid_interest, start=start) for r, start in zip(rows, starts,
                                                                             strict=True)],
        penalty=loan.penalty_accrued, penalty_paid=loan.penalty_paid,
        other=loan.other_charged, other_paid=loan.other_paid, deposit=loan.deposit,
    )


def position(loan: Loan, day: dt.date | None = None) -> dict:
    """Total debt, current arrears, days past due and bucket at ``day`` (today by default)."""
    day = day or timezone.localdate()
    ledger = ledger_of(loan)
    if not ledger.dues:
        return {"total_debt": ZERO, "arrears": ZERO, "days_past_due": 0, "bucket": "current"}
    dpd = ledger.days_past_due(day)
    return {"total_debt": ledger.total_debt(day), "arrears": ledger.arrears(day),
            "days_past_due": dpd, "bucket": engine.bucket(dpd)}


def early_repayment_quote(loan: Loan, day: dt.date | None = None) -> engine.EarlyRepaymentQuote:
    day = day or timezone.localdate()
    return engine.early_repayment_quote(loan.terms(), ledger_of(loan), day,
                                        upfront_costs=loan.fees)


def balance_history(loan: Loan) -> list[tuple[dt.date, Decimal]]:
    rows = current_rows(loan)
    return engine.balance_over_time(rows, loan.disbursement_date, loan.amount)


# --- writing helpers --------------------------------------------------------------------
def _write_ledger(loan: Loan, ledger: engine.Ledger, rows: list[Instalment]) -> None:
    by_number = {d.number: d for d in ledger.dues}
    changed = []
    for row in rows:
        due = by_number[row.number]
        now = (due.interest, due.paid_principal, due.paid_interest)
        if (row.interest, row.paid_principal, row.paid_interest) != now:
            # The interest changes only by an early repayment's waiver (or its reversal).
            row.interest, row.paid_principal, row.paid_interest = now
            changed.append(row)
    if changed:
        Instalment.objects.bulk_update(changed, ["interest", "paid_principal", "paid_interest"])
    loan.penalty_paid, loan.other_paid, loan.deposit = (
        ledger.penalty_paid, ledger.other_paid, ledger.deposit)
    loan.principal_outstanding = ledger.principal_outstanding()
    unpaid = [d.due_date for d in ledger.dues if d.open(engine.PRINCIPAL) + d.open(engine.INTEREST)]
    loan.oldest_unpaid_due = min(unpaid) if unpaid else None
    as_of = loan.overdue_as_of or loan.disbursement_date
    loan.overdue_as_of = as_of
    loan.overdue_principal = sum((d.open(engine.PRINCIPAL) for d in ledger.dues
                                  if d.due_date < as_of), ZERO)
    loan.next_due = min((d.due_date for d in ledger.dues if d.due_date >= as_of), default=None)
    loan.save(update_fields=["penalty_paid", "other_paid", "deposit", "principal_outstanding",
                             "oldest_unpaid_due", "overdue_principal", "overdue_as_of",
                             "next_due"])


def _store_rows(loan, schedule, rows: list[engine.Instalment], paid=None):
    paid = paid or {}
    Instalment.objects.bulk_create([
        Instalment(organization_id=loan.organization_id, schedule=schedule, number=r.number,
                   due_date=r.due_date, principal=r.principal, interest=r.interest,
                   balance=r.balance, paid_principal=paid.get(r.number, (ZERO, ZERO))[0],
                   paid_interest=paid.get(r.number, (ZERO, ZERO))[1])
        for r in rows
    ])


def _refuse_state(message):
    raise Refused(message, code="not_allowed")


# --- disbursement -----------------------------------------------------------------------
def disburse(loan: Loan, *, by=None, on: dt.date | None = None, request=None) -> Loan:
    """Generate schedule version 1 and make the loan active."""
    with transaction.atomic():
        loan = lock(loan)
        if loan.status != Loan.Status.TO_BE_DISBURSED:
            _refuse_state(_("Only a loan waiting for disbursement can be disbursed."))
        if on is not None:
            loan.disbursement_date = on
        loan.full_clean()
        before = audit.snapshot(loan)
        terms = loan.terms()
        rows = engine.schedule(terms)
        schedule = ScheduleVersion.objects.create(
            organization_id=loan.organization_id, loan=loan, version=1,
            state=ScheduleVersion.State.CURRENT, reason=str(_("Disbursement")),
            starts_on=loan.disbursement_date, annual_rate=loan.annual_rate,
            created_by=by, approved_by=by)
        _store_rows(loan, schedule, rows)
        loan.disburse()
        loan.principal_outstanding = terms.round(loan.amount)
        loan.accrued_through = loan.disbursement_date
        loan.oldest_unpaid_due = rows[0].due_date
        loan.overdue_principal, loan.overdue_as_of = ZERO, loan.disbursement_date
        loan.next_due = rows[0].due_date
        loan.apr = engine.schedule_apr(terms, rows, upfront_costs=loan.fees)
        loan.save()
        audit.record("loans.disburse", obj=loan, actor=by, request=request,
                     changes=audit.diff(before, audit.snapshot(loan)))
    return loan


# --- repayments -------------------------------------------------------------------------
def record_repayment(loan: Loan, *, amount: Decimal, date: dt.date, source: str,
                     reference: str, by=None, description: str = "",
                     request=None) -> Repayment:
    """Record money received for ``loan`` and allocate it by the product's order.

    The same reference from the same source twice returns the first repayment and
    allocates nothing again (an import or a gateway notification may repeat).
    """
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise Refused(_("Enter an amount above zero, in whole cents."), code="invalid",
                      fields={"amount": [_("Enter an amount above zero, in whole cents.")]})
    with transaction.atomic():
        loan = lock(loan)
        existing = Repayment.objects.filter(organization_id=loan.organization_id, source=source,
                                            reference=reference).first()
        if existing is not None:
            return existing
        if loan.status not in (Loan.Status.ACTIVE, Loan.Status.TERMINATED):
            _refuse_state(_("This loan takes no repayments in its present state."))
        rows = current_rows(loan)
        ledger = ledger_of(loan, rows)
        allocation = engine.allocate(ledger, amount, date, order=loan.product.order)
        repayment = Repayment.objects.create(
            organization_id=loan.organization_id, loan=loan, date=date, amount=amount,
            source=source, reference=reference[:100], description=description[:200],
            created_by=by if getattr(by, "pk", None) else None,
            principal=allocation.total(engine.PRINCIPAL),
            interest=allocation.total(engine.INTEREST),
            penalty=allocation.total(engine.PENALTY), other=allocation.total(engine.OTHER),
            deposit=allocation.total(engine.DEPOSIT))
        AllocationLine.objects.bulk_create([
            AllocationLine(repayment=repayment, component=line.component,
                           instalment=line.instalment, amount=line.amount)
            for line in allocation.lines])
        _write_ledger(loan, ledger, rows)
        audit.record("loans.repayment", obj=repayment, actor=by, request=request, changes={
            "loan": loan.number, "amount": str(amount), "source": source,
            "reference": reference, "principal": str(repayment.principal),
            "interest": str(repayment.interest), "penalty": str(repayment.penalty),
            "other": str(repayment.other), "deposit": str(repayment.deposit)})
        if loan.status == Loan.Status.ACTIVE and ledger.is_settled():
            before = audit.snapshot(loan)
            loan.mark_repaid()
            loan.closed_at = timezone.now()
            loan.save(update_fields=["status", "closed_at"])
            audit.record("loans.repaid", obj=loan, actor=by, request=request,
                         changes=audit.diff(before, audit.snapshot(loan)))
    return repayment


def hold_repayment(loan: Loan, *, amount: Decimal, date: dt.date, source: str,
                   reference: str, by=None, description: str = "", reason: str = "",
                   request=None) -> Repayment:
    """Keep money the loan cannot take in its present state, whole, as its deposit.

    For money already received that must not be refused (a gateway confirmed a
    payment begun while the loan was still open): nothing is allocated, the whole
    amount goes to the loan's deposit for staff to refund or apply, and the audit
    trail says so. The same reference from the same source twice returns the first.
    """
    amount = Decimal(amount)
    with transaction.atomic():
        loan = lock(loan)
        existing = Repayment.objects.filter(organization_id=loan.organization_id, source=source,
                                            reference=reference[:100]).first()
        if existing is not None:
            return existing
        repayment = Repayment.objects.create(
            organization_id=loan.organization_id, loan=loan, date=date, amount=amount,
            source=source, reference=reference[:100], description=description[:200],
            created_by=by if getattr(by, "pk", None) else None, deposit=amount)
        AllocationLine.objects.create(repayment=repayment, component=engine.DEPOSIT,
                                      amount=amount)
        loan.deposit += amount
        loan.save(update_fields=["deposit"])
        audit.record("loans.repayment_held", obj=repayment, actor=by, request=request,
                     changes={"loan": loan.number, "amount": str(amount), "source": source,
                              "reference": reference, "status": loan.status,
                              "reason": reason[:200], "deposit": str(loan.deposit)})
    return repayment


def reverse_repayment(repayment: Repayment, *, by=None, request=None) -> Repayment:
    """Undo a repayment's allocation exactly (a bounced transfer, a charge-back)."""
    with transaction.atomic():
        loan = lock(repayment.loan)
        repayment = lock(repayment)
        if repayment.reversed_at is not None:
            _refuse_state(_("This repayment was already reversed."))
        rows = current_rows(loan)
        ledger = ledger_of(loan, rows)
        lines = tuple(engine.Line(line.component, line.amount, line.instalment)
                      for line in repayment.lines.all())
        try:
            engine.reverse(ledger, engine.Allocation(repayment.amount, lines))
        except (engine.EngineError, KeyError):
            _refuse_state(_("The schedule changed since this repayment: reverse it by hand."))
        if ledger.deposit < 0:
            _refuse_state(_("The deposit was used since this repayment: reverse it by hand."))
        _write_ledger(loan, ledger, rows)
        repayment.reversed_at = timezone.now()
        repayment.save(update_fields=["reversed_at"])
        audit.record("loans.repayment_reverse", obj=repayment, actor=by, request=request,
                     changes={"loan": loan.number, "amount": str(repayment.amount)})
        if loan.status == Loan.Status.REPAID:
            before = audit.snapshot(loan)
            loan.reopen()
            loan.closed_at = None
            loan.save(update_fields=["status", "closed_at"])
            audit.record("loans.reopen", obj=loan, actor=by, request=request,
                         changes=audit.diff(before, audit.snapshot(loan)))
    return repayment


def apply_deposit(loan: Loan, *, by=None, request=None) -> Repayment | None:
    """Use the deposit (an overpayment) against what the loan owes today."""
    with transaction.atomic():
        loan = lock(loan)
        if loan.deposit <= 0:
            return None
        amount = loan.deposit
        loan.deposit = ZERO
        loan.save(update_fields=["deposit"])
        stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
        return record_repayment(loan, amount=amount, date=timezone.localdate(),
                                source=Repayment.Source.STAFF, reference=f"deposit-{stamp}",
                                by=by, description=str(_("Deposit applied")), request=request)


def refund_deposit(loan: Loan, *, amount: Decimal, date: dt.date, reference: str, by=None,
                   request=None) -> DepositRefund:
    """Record that staff paid back ``amount`` of the deposit (an overpayment) to the
    borrower: the deposit goes down by it. Refused when the deposit is smaller."""
    amount = Decimal(amount)
    reference = (reference or "").strip()
    if amount < CENT or amount != amount.quantize(CENT):
        raise Refused(_("Enter an amount of at least 0.01, in cents."), code="invalid",
                      fields={"amount": [_("Enter an amount of at least 0.01, in cents.")]})
    if not reference:
        raise Refused(_("Enter the reference of the refund transfer."), code="invalid",
                      fields={"reference": [_("Enter the reference of the refund transfer.")]})
    with transaction.atomic():
        loan = lock(loan)
        if amount > loan.deposit:
            raise Refused(
                _("The deposit of loan %(number)s is %(deposit)s %(currency)s: a refund of "
                  "%(amount)s %(currency)s is more than it."), code="not_allowed",
                params={"number": loan.number, "deposit": loan.deposit,
                        "currency": loan.currency, "amount": amount})
        loan.deposit -= amount
        loan.save(update_fields=["deposit"])
        refund = DepositRefund.objects.create(
            organization_id=loan.organization_id, loan=loan, date=date, amount=amount,
            reference=reference[:100], created_by=by if getattr(by, "pk", None) else None)
        audit.record("loans.deposit_refund", obj=loan, actor=by, request=request,
                     changes={"amount": str(amount), "date": date.isoformat(),
                              "reference": reference[:100], "deposit": str(loan.deposit)})
    return refund


# --- reschedule (proposed, then approved by another person) -----------------------------
def propose_reschedule(loan: Loan, *, starts_on: dt.date, instalments: int,
                       annual_rate: Decimal | None = None, reason: str = "", by=None,
                       request=None) -> ScheduleVersion:
    """Propose a new schedule for the principal outstanding; it waits for approval."""
    with transaction.atomic():
        loan = lock(loan)
        if loan.status != Loan.Status.ACTIVE:
            _refuse_state(_("Only an active loan can be rescheduled."))
        ledger = ledger_of(loan)
        if ledger.arrears(starts_on) > 0:
            _refuse_state(_("Settle the arrears before rescheduling (or write off)."))
        if instalments < 1:
            raise Refused(_("At least one instalment."), code="invalid")
        rate = loan.annual_rate if annual_rate is None else Decimal(annual_rate)
        reference = ReferenceRate.on(starts_on)
        if reference is not None and rate > engine.max_interest_rate(reference):
            raise Refused(_("The interest rate is above the statutory maximum."),
                          code="invalid")
        last = loan.schedule_versions.order_by("-version").first()
        version = ScheduleVersion.objects.create(
            organization_id=loan.organization_id, loan=loan, version=last.version + 1,
            state=ScheduleVersion.State.PROPOSED, reason=reason[:300], starts_on=starts_on,
            annual_rate=rate, created_by=by)
        audit.record("loans.reschedule_propose", obj=loan, actor=by, request=request,
                     changes={"version": version.version, "from": str(starts_on),
                              "instalments": instalments, "rate": str(rate)})
        # The rows are computed now so the approver sees what they approve.
        _store_proposed_rows(loan, version, ledger, instalments, rate, starts_on)
    return version


def _store_proposed_rows(loan, version, ledger, instalments, rate, starts_on):
    paid_rows = [d for d in ledger.dues if d.due_date <= starts_on]
    outstanding = ledger.principal_outstanding()
    terms = loan.terms(amount=outstanding, start=starts_on, instalments=instalments, rate=rate)
    new_rows = engine.schedule(terms) if outstanding > 0 else []
    kept, balance = [], loan.amount
    for d in paid_rows:  # settled instalments stay as they were, balance after each
        balance -= d.principal
        kept.append(engine.Instalment(d.number, d.start or starts_on, d.due_date, d.principal,
                                      d.interest, balance))
    paid = {d.number: (d.paid_principal, d.paid_interest) for d in paid_rows}
    offset = len(kept)
    renumbered = [engine.Instalment(r.number + offset, r.start, r.due_date, r.principal,
                                    r.interest, r.balance) for r in new_rows]
    _store_rows(loan, version, kept + renumbered, paid=paid)


def approve_reschedule(version: ScheduleVersion, *, by, request=None) -> ScheduleVersion:
    """Make a proposed schedule current; the previous one is kept, superseded."""
    with transaction.atomic():
        loan = lock(version.loan)
        version = lock(version)
        if version.state != ScheduleVersion.State.PROPOSED:
            _refuse_state(_("This schedule is not waiting for approval."))
        if by is not None and version.created_by_id == getattr(by, "pk", None):
            raise Refused(_("A reschedule is approved by someone other than who proposed it."),
                          code="forbidden")
        loan.schedule_versions.filter(state=ScheduleVersion.State.CURRENT).update(
            state=ScheduleVersion.State.SUPERSEDED)
        version.state = ScheduleVersion.State.CURRENT
        version.approved_by = by
        version.save(update_fields=["state", "approved_by"])
        before = audit.snapshot(loan)
        loan.annual_rate = version.annual_rate
        rows = list(version.rows.order_by("number"))
        loan.instalments = len(rows)
        loan.save(update_fields=["annual_rate", "instalments"])
        _write_ledger(loan, ledger_of(loan, rows), rows)
        audit.record("loans.reschedule_approve", obj=loan, actor=by, request=request,
                     changes={**audit.diff(before, audit.snapshot(loan)),
                              "version": version.version})
    return version


def reject_reschedule(version: ScheduleVersion, *, by, request=None) -> ScheduleVersion:
    with transaction.atomic():
        version = lock(version)
        if version.state != ScheduleVersion.State.PROPOSED:
            _refuse_state(_("This schedule is not waiting for approval."))
        version.state = ScheduleVersion.State.REJECTED
        version.save(update_fields=["state"])
        audit.record("loans.reschedule_reject", obj=version.loan, actor=by, request=request,
                     changes={"version": version.version})
    return version


# --- closing ---------------------------------------------------------------------------
def _close(loan: Loan, transition: str, action: str, *, by=None, request=None) -> Loan:
    with transaction.atomic():
        loan = lock(loan)
        method = getattr(loan, transition)
        if not can_proceed(method):
            _refuse_state(_("This cannot be done in the loan's present state."))
        before = audit.snapshot(loan)
        method()
        loan.closed_at = timezone.now()
        loan.save(update_fields=["status", "closed_at"])
        audit.record(action, obj=loan, actor=by, request=request,
                     changes=audit.diff(before, audit.snapshot(loan)))
    return loan


def terminate(loan: Loan, *, by=None, request=None) -> Loan:
    """The contract ends early (termination by the lender): the whole debt falls due."""
    return _close(loan, "terminate", "loans.terminate", by=by, request=request)


def write_off(loan: Loan, *, by=None, request=None) -> Loan:
    return _close(loan, "write_off", "loans.write_off", by=by, request=request)


# --- client-zone access ----------------------------------------------------------------
def grant_client_access(loan: Loan, *, by, request=None):
    """The "Access to the client zone" procedure: the borrower's account and membership,
    and a one-time password by SMS, through the accounts' staff-granted access."""
    from apps.client_portal.accounts.services import grant_portal_access
    grant = grant_portal_access(organization=loan.organization, by=by, request=request)
    with transaction.atomic():
        loan = lock(loan)
        if grant.user_id and loan.borrower_id != grant.user_id:
            before = audit.snapshot(loan)
            loan.borrower_id = grant.user_id
            loan.save(update_fields=["borrower"])
            audit.record("loans.borrower", obj=loan, actor=by, request=request,
                         changes=audit.diff(before, audit.snapshot(loan)))
    return grant


# --- daily penalty interest ------------------------------------------------------------
def accrue_day(day: dt.date, *, table=None) -> int:
    """Penalty interest of every active loan for ``day``; returns how many loans accrued.

    Idempotent and safe to restart: the whole day is one transaction (all its loans or
    none), it only takes loans not yet accrued through ``day``, and a unique constraint
    keeps one row per loan and day. The rate is the loan's, capped by the statutory
    maximum in force on ``day``. The overdue principal is what is unpaid now (the job
    runs daily; a catch-up after an outage uses today's payments for the days it missed).

    Set-based, for 100,000 loans, in three statements: the loans one of whose instalments
    fell due since their last refresh get their overdue principal recomputed (a few a day);
    one INSERT ... SELECT over the loan rows writes every accrual, the amount computed by
    the database (exact DECIMAL arithmetic on MariaDB, rounded half-up to six places;
    SQLite, for development, has no decimal type and computes in binary floating point
    before the same rounding); one UPDATE moves the loans' "accrued through" date. A
    loan's penalty is the sum of its rows (``Loan.penalty_accrued``).
    """
    table = ReferenceRate.table() if table is None else table
    reference = rate_in_table(table, day)
    cap = engine.max_penalty_rate(reference) if reference is not None else Decimal(0)
    divisor = 100 * (366 if calendar.isleap(day.year) else 365)
    params = {"day": day, "cap": cap, "divisor": divisor, "active": Loan.Status.ACTIVE,
              "current": ScheduleVersion.State.CURRENT}
    refresh, insert = _accrual_sql()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(refresh, params)
        cursor.execute(insert, params)
        count = max(cursor.rowcount, 0)
        Loan.objects.filter(status=Loan.Status.ACTIVE, accrued_through__lt=day).update(
            accrued_through=day)
    return count


def _accrual_sql() -> tuple[str, str]:
    """The job's refresh UPDATE and its INSERT (skipping a row already there) ... SELECT.

    Only quoted names of this module's tables go into the text; every value is a parameter.
    """
    from django.db.models.constants import OnConflict

    ops = connection.ops
    q = ops.quote_name
    loans = q(Loan._meta.db_table)
    rows = (f"FROM {q(Instalment._meta.db_table)} i "
            f"JOIN {q(ScheduleVersion._meta.db_table)} v ON v.{q('id')} = i.{q('schedule_id')} "
            f"WHERE v.{q('loan_id')} = {loans}.{q('id')} AND v.{q('state')} = %(current)s ")
    pending = (f"{q('status')} = %(active)s AND {q('accrued_through')} < %(day)s")
    refresh = (
        f"UPDATE {loans} SET "  # noqa: S608
        f"{q('overdue_principal')} = COALESCE((SELECT SUM(i.{q('principal')} - "
        f"i.{q('paid_principal')}) {rows} AND i.{q('due_date')} < %(day)s), 0), "
        f"{q('next_due')} = (SELECT MIN(i.{q('due_date')}) {rows} "
        f"AND i.{q('due_date')} >= %(day)s), "
        f"{q('overdue_as_of')} = %(day)s "
        f"WHERE {pending} AND {q('next_due')} < %(day)s"
    )
    rate = f"(CASE WHEN {q('penalty_rate')} < %(cap)s THEN {q('penalty_rate')} ELSE %(cap)s END)"
    columns = ", ".join(q(c) for c in ("organization_id", "loan_id", "day", "overdue_principal",
                                       "rate", "amount"))
    verb = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    insert = (
        f"{verb} {q(PenaltyAccrual._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {q('organization_id')}, {q('id')}, %(day)s, {q('overdue_principal')}, {rate}, "
        f"ROUND({q('overdue_principal')} * {rate} / %(divisor)s, 6) FROM {loans} "
        f"WHERE {pending} AND {q('overdue_principal')} > 0"
    )
    return refresh, insert


def accrue_penalties(through: dt.date | None = None) -> dict:
    """The daily job: accrue every day not yet accrued up to ``through`` (today)."""
    through = through or timezone.localdate()
    pending = Loan.objects.filter(status=Loan.Status.ACTIVE, accrued_through__lt=through)
    if not pending.exists():
        return {"days": 0, "accruals": 0}
    # Nothing accrues before a loan's oldest unpaid instalment is overdue: start there.
    starts = [max(accrued, oldest or through) for accrued, oldest in
              pending.values_list("accrued_through", "oldest_unpaid_due").distinct()]
    first = min(starts)
    table = ReferenceRate.table()
    days = accruals = 0
    day = first + dt.timedelta(days=1)
    while day <= through:
        accruals += accrue_day(day, table=table)
        days += 1
        day += dt.timedelta(days=1)
    # Loans that had nothing overdue on any of those days are accrued through today too.
    Loan.objects.filter(status=Loan.Status.ACTIVE, accrued_through__lt=through).update(
        accrued_through=through)
    audit.record("loans.accrue", changes={"through": str(through), "days": days,
                                          "accruals": accruals})
    return {"days": days, "accruals": accruals}
