"""The loan engine: schedules, APR, statutory limits, allocation, penalty interest, arrears.

Pure Python on ``Decimal``; nothing here imports Django, so it can be tested and
benchmarked on its own and the same numbers come out of every door.

Rounding rule (stated once, applied per instalment)
---------------------------------------------------
* Every amount of an instalment (its interest, its principal) is rounded on its own to
  ``terms.cents`` (0.01) with ``terms.rounding`` (half-up by default; Apache Fineract's
  default, half-even, is a product setting so its published schedules can be reproduced).
* The instalment amount of an equal-instalment schedule is rounded to ``terms.multiple``
  (0.01 by default; 1 rounds it to whole units, as Fineract's "installment amount in
  multiples of"), half-up.
* The last instalment absorbs what rounding left: its principal is the balance still
  outstanding, and for flat interest its interest is the total interest less what the
  earlier instalments carry (when that would be negative, for tiny interest, the running sum
  is rounded instead, so no instalment carries negative interest). So the principal
  instalments always add up to the amount.

Sources: Apache Fineract's schedule generators (amortization, interest methods, grace),
Directive 2008/48/EC Annex I (APR), the Polish Consumer Credit Act of 12 May 2011 (art. 36a
costs cap, art. 49 early repayment), Civil Code art. 359 §2¹ and 481 §2¹ (maximum interest and
penalty interest), Civil Code art. 451 (order of allocation). See docs/loans.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# Amortization
EQUAL_INSTALMENTS = "equal_instalments"
EQUAL_PRINCIPAL = "equal_principal"
SINGLE_PAYMENT = "single_payment"
AMORTIZATIONS = (EQUAL_INSTALMENTS, EQUAL_PRINCIPAL, SINGLE_PAYMENT)
# Interest method
DECLINING = "declining_balance"
FLAT = "flat"
INTEREST_METHODS = (DECLINING, FLAT)
# Day count
ACT_ACT = "actual_actual"
ACT_365 = "actual_365"
D30_360 = "30_360"
DAY_COUNTS = (ACT_ACT, ACT_365, D30_360)
# Frequency
MONTHLY = "monthly"
WEEKLY = "weekly"
SINGLE = "single"
FREQUENCIES = (MONTHLY, WEEKLY, SINGLE)
PERIODS_PER_YEAR = {MONTHLY: 12, WEEKLY: 52}

ROUNDINGS = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}

# Allocation components
PENALTY = "penalty"
OTHER = "other"
INTEREST = "interest"
PRINCIPAL = "principal"
DEPOSIT = "deposit"
WAIVED = "waived"  # interest of the remaining term no longer owed after early repayment
COMPONENTS = (PENALTY, OTHER, INTEREST, PRINCIPAL)
#: Civil Code art. 451 §1: what is paid settles the costs and interest due before the principal.
DEFAULT_ORDER = (PENALTY, OTHER, INTEREST, PRINCIPAL)


class EngineError(ValueError):
    """Terms the engine cannot schedule (a programming or input error, told in English)."""


# --------------------------------------------------------------------------- dates and day counts


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` months on; the 31st becomes the month's last day when needed."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def year_fraction(day_count: str, start: dt.date, end: dt.date) -> Decimal:
    """The part of a year between ``start`` and ``end`` under ``day_count``.

    actual/365: actual days / 365. actual/actual (ISDA): the days in each calendar year over
    that year's length (365 or 366). 30/360 (US bond basis): each month counts 30 days.
    """
    if end <= start:
        return Decimal(0)
    if day_count == ACT_365:
        return Decimal((end - start).days) / Decimal(365)
    if day_count == ACT_ACT:
        total = Decimal(0)
        cursor = start
        while cursor < end:
            next_year = dt.date(cursor.year + 1, 1, 1)
            stop = min(end, next_year)
            days_in_year = 366 if calendar.isleap(cursor.year) else 365
            total += Decimal((stop - cursor).days) / Decimal(days_in_year)
            cursor = stop
        return total
    if day_count == D30_360:
        d1, d2 = min(start.day, 30), end.day
        if d2 == 31 and d1 == 30:
            d2 = 30
        days = 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)
        return Decimal(days) / Decimal(360)
    raise EngineError(f"unknown day count {day_count!r}")


# --------------------------------------------------------------------------- terms and schedules


@dataclass(frozen=True)
class Terms:
    """What a schedule is made of. Rates are yearly percentages (``Decimal("12")`` is 12 %)."""

    amount: Decimal
    annual_rate: Decimal
    instalments: int
    start: dt.date
    amortization: str = EQUAL_INSTALMENTS
    interest_method: str = DECLINING
    day_count: str = D30_360
    frequency: str = MONTHLY
    principal_grace: int = 0
    interest_grace: int = 0
    term_days: int = 30  # the term of a single-payment loan (frequency SINGLE)
    rounding: str = "half_up"
    multiple: Decimal = CENT  # the instalment amount is rounded to a multiple of this
    cents: Decimal = CENT

    def validate(self) -> None:
        if self.amount <= 0:
            raise EngineError("the amount must be positive")
        if self.annual_rate < 0:
            raise EngineError("the rate cannot be negative")
        if self.amortization not in AMORTIZATIONS:
            raise EngineError(f"unknown amortization {self.amortization!r}")
        if self.interest_method not in INTEREST_METHODS:
            raise EngineError(f"unknown interest method {self.interest_method!r}")
        if self.day_count not in DAY_COUNTS:
            raise EngineError(f"unknown day count {self.day_count!r}")
        if self.frequency not in FREQUENCIES:
            raise EngineError(f"unknown frequency {self.frequency!r}")
        if self.rounding not in ROUNDINGS:
            raise EngineError(f"unknown rounding {self.rounding!r}")
        if self.instalments < 1:
            raise EngineError("at least one instalment")
        if (
            self.frequency == SINGLE or self.amortization == SINGLE_PAYMENT
        ) and self.instalments != 1:
            raise EngineError("a single payment has one instalment")
        if not 0 <= self.principal_grace < self.instalments:
            raise EngineError("the principal grace must leave at least one instalment")
        if not 0 <= self.interest_grace < self.instalments:
            raise EngineError("the interest grace must leave at least one instalment")
        if self.frequency == SINGLE and self.term_days < 1:
            raise EngineError("a single payment needs a term of at least one day")

    def round(self, value: Decimal) -> Decimal:
        return Decimal(value).quantize(self.cents, rounding=ROUNDINGS[self.rounding])

    def round_instalment(self, value: Decimal) -> Decimal:
        steps = (Decimal(value) / self.multiple).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return (steps * self.multiple).quantize(self.cents)

    def due_dates(self) -> list[dt.date]:
        if self.frequency == SINGLE:
            return [self.start + dt.timedelta(days=self.term_days)]
        if self.frequency == WEEKLY:
            return [self.start + dt.timedelta(weeks=i) for i in range(1, self.instalments + 1)]
        return [add_months(self.start, i) for i in range(1, self.instalments + 1)]

    def periodic_rate(self) -> Decimal:
        """The rate of one period for the annuity (PMT): yearly rate / periods per year."""
        per_year = PERIODS_PER_YEAR.get(self.frequency)
        if per_year is None:
            return self.annual_rate / HUNDRED
        return self.annual_rate / HUNDRED / per_year


@dataclass(frozen=True)
class Instalment:
    number: int
    start: dt.date
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    balance: Decimal  # principal outstanding once this instalment is paid

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    @property
    def days(self) -> int:
        return (self.due_date - self.start).days


def pmt(rate: Decimal, periods: int, amount: Decimal) -> Decimal:
    """The level payment repaying ``amount`` in ``periods`` at ``rate`` a period (unrounded)."""
    if periods < 1:
        raise EngineError("PMT needs at least one period")
    if rate == 0:
        return amount / periods
    with localcontext() as ctx:
        ctx.prec = 34
        return amount * rate / (1 - (1 + rate) ** -periods)


def schedule(terms: Terms) -> list[Instalment]:
    """The repayment schedule of ``terms`` (see the module's rounding rule)."""
    terms.validate()
    dates = terms.due_dates()
    n = terms.instalments
    amortizing = n - terms.principal_grace
    rate = terms.annual_rate / HUNDRED
    starts = [terms.start] + dates[:-1]
    amount = terms.round(terms.amount)

    # Interest exact per period (flat: on the amount; declining: computed as we go).
    flat_exact = [
        amount * rate * year_fraction(terms.day_count, s, e)
        for s, e in zip(starts, dates, strict=True)
    ]
    flat_total = terms.round(sum(flat_exact, Decimal(0)))
    flat_parts = [terms.round(x) for x in flat_exact[:-1]]
    if sum(flat_parts, ZERO) <= flat_total:
        flat_parts.append(flat_total - sum(flat_parts, ZERO))  # the last absorbs the rest
    else:
        # Tiny interest where rounding each part up would overshoot the total: round the
        # running sum instead, so no part is negative and the parts still add up to the total.
        running = [terms.round(sum(flat_exact[: i + 1], Decimal(0))) for i in range(n)]
        flat_parts = [b - a for a, b in zip([ZERO, *running[:-1]], running, strict=True)]

    level = None
    if terms.amortization == EQUAL_INSTALMENTS:
        if terms.interest_method == FLAT:
            level = terms.round_instalment((amount + flat_total) / n)
        else:
            level = terms.round_instalment(pmt(terms.periodic_rate(), amortizing, amount))
    equal_principal = terms.round(amount / amortizing)

    rows: list[Instalment] = []
    balance = amount
    deferred = Decimal(0)  # interest of the interest-grace periods, due with the first one after
    for i, (start, due) in enumerate(zip(starts, dates, strict=True)):
        last = i == n - 1
        if terms.interest_method == FLAT:
            interest = flat_parts[i]
        else:
            interest = terms.round(balance * rate * year_fraction(terms.day_count, start, due))
        if i < terms.interest_grace:
            deferred += interest
            due_interest = ZERO
        else:
            due_interest = interest + deferred
            deferred = ZERO

        if last:
            principal = balance
        elif i < terms.principal_grace:
            principal = ZERO
        elif terms.amortization == EQUAL_INSTALMENTS:
            principal = max(ZERO, min(balance, level - interest))
        elif terms.amortization == EQUAL_PRINCIPAL:
            principal = min(balance, equal_principal)
        else:  # SINGLE_PAYMENT with n == 1 is handled by ``last``
            principal = ZERO
        balance -= principal
        rows.append(Instalment(i + 1, start, due, principal, due_interest, balance))
    return rows


# --------------------------------------------------------------------------- APR (RRSO)


def apr(
    drawdowns: list[tuple[dt.date, Decimal]], payments: list[tuple[dt.date, Decimal]]
) -> Decimal:
    """The annual percentage rate of charge per Directive 2008/48/EC Annex I, in percent.

    Solves  sum_k C_k (1+X)^-t_k = sum_l D_l (1+X)^-s_l  for X, where C are the drawdowns,
    D the repayments and charges, and t, s the time in years (days / 365) from the first
    drawdown. Bisection on a bracket that is widened until it holds the root (the present
    value difference is monotone in X for a loan: money out first, money back later).
    Rounded half-up to two decimals of a percent.
    """
    if not drawdowns or not payments:
        raise EngineError("APR needs drawdowns and payments")
    origin = min(d for d, _ in drawdowns)

    def years(day):
        return Decimal((day - origin).days) / Decimal(365)

    flows = [(years(d), Decimal(a)) for d, a in drawdowns] + [
        (years(d), -Decimal(a)) for d, a in payments
    ]

    def npv(x: Decimal) -> Decimal:
        base = 1 + x
        return sum((amount * base**-t if t else amount) for t, amount in flows)

    with localcontext() as ctx:
        ctx.prec = 40
        low, high = Decimal("-0.99"), Decimal(1)
        # npv grows with x (repayments are discounted more); widen until the sign changes.
        while npv(high) < 0:
            high *= 2
            if high > 10**6:
                raise EngineError("APR out of range")
        if npv(low) > 0:
            raise EngineError("APR below -99 %")
        for _ in range(200):
            mid = (low + high) / 2
            if npv(mid) < 0:
                low = mid
            else:
                high = mid
            if high - low < Decimal("1e-12"):
                break
        rate = (low + high) / 2
    return (rate * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def schedule_apr(terms: Terms, rows: list[Instalment], upfront_costs: Decimal = ZERO) -> Decimal:
    """The APR of a schedule: the amount less upfront costs paid out, the instalments paid back."""
    return apr([(terms.start, terms.amount - upfront_costs)], [(r.due_date, r.total) for r in rows])


# --------------------------------------------------------------------------- statutory limits (PL)


def max_interest_rate(reference_rate: Decimal) -> Decimal:
    """Civil Code art. 359 §2¹: twice the sum of the NBP reference rate and 3.5 points."""
    return 2 * (Decimal(reference_rate) + Decimal("3.5"))


def max_penalty_rate(reference_rate: Decimal) -> Decimal:
    """Civil Code art. 481 §2¹: twice the sum of the NBP reference rate and 5.5 points."""
    return 2 * (Decimal(reference_rate) + Decimal("5.5"))


def max_non_interest_costs(amount: Decimal, term_days: int, year_days: int = 365) -> Decimal:
    """Consumer Credit Act art. 36a: K x 10% + K x n/R x 10%, at most 45% of K.

    Under 30 days: 5% of K.
    """
    amount = Decimal(amount)
    if term_days < 30:
        cap = amount * Decimal("0.05")
    else:
        cap = min(
            amount * Decimal("0.10")
            + amount * Decimal(term_days) / Decimal(year_days) * Decimal("0.10"),
            amount * Decimal("0.45"),
        )
    return cap.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LimitBreach:
    code: str  # "interest", "penalty", "costs"
    value: Decimal
    limit: Decimal


def check_limits(
    *,
    annual_rate: Decimal,
    penalty_rate: Decimal,
    costs: Decimal,
    amount: Decimal,
    term_days: int,
    reference_rate: Decimal,
    year_days: int = 365,
) -> list[LimitBreach]:
    """The statutory limits the given terms break (an empty list when none)."""
    breaches = []
    cap = max_interest_rate(reference_rate)
    if Decimal(annual_rate) > cap:
        breaches.append(LimitBreach("interest", Decimal(annual_rate), cap))
    cap = max_penalty_rate(reference_rate)
    if Decimal(penalty_rate) > cap:
        breaches.append(LimitBreach("penalty", Decimal(penalty_rate), cap))
    cap = max_non_interest_costs(amount, term_days, year_days)
    if Decimal(costs) > cap:
        breaches.append(LimitBreach("costs", Decimal(costs), cap))
    return breaches


# --------------------------------------------------------------------------- ledger and allocation


@dataclass
class Due:
    """What one instalment asks for and what has been paid against it."""

    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO
    start: dt.date | None = None  # the start of its interest period

    def open(self, component: str) -> Decimal:
        if component == PRINCIPAL:
            return self.principal - self.paid_principal
        return self.interest - self.paid_interest


@dataclass
class Ledger:
    """The state of a loan's debt: instalments, penalty interest, other costs, deposit."""

    dues: list[Due]
    penalty: Decimal = ZERO  # penalty interest accrued
    penalty_paid: Decimal = ZERO
    other: Decimal = ZERO  # other costs charged (fees, reminders)
    other_paid: Decimal = ZERO
    deposit: Decimal = ZERO  # overpayment held for the borrower

    @classmethod
    def from_schedule(cls, rows: list[Instalment]) -> Ledger:
        return cls(
            [Due(r.number, r.due_date, r.principal, r.interest, start=r.start) for r in rows]
        )

    def copy(self) -> Ledger:
        return replace(self, dues=[replace(d) for d in self.dues])

    def snapshot(self) -> tuple:
        return (
            tuple((d.number, d.interest, d.paid_principal, d.paid_interest) for d in self.dues),
            self.penalty,
            self.penalty_paid,
            self.other,
            self.other_paid,
            self.deposit,
        )

    # what is open ----------------------------------------------------------
    def principal_outstanding(self) -> Decimal:
        return sum((d.open(PRINCIPAL) for d in self.dues), ZERO)

    def due_by(self, day: dt.date) -> list[Due]:
        return [d for d in self.dues if d.due_date <= day]

    def arrears(self, day: dt.date) -> Decimal:
        """Current arrears at ``day``: what fell due and is unpaid, with penalty and costs."""
        dues = sum((d.open(PRINCIPAL) + d.open(INTEREST) for d in self.due_by(day)), ZERO)
        return dues + (self.penalty - self.penalty_paid) + (self.other - self.other_paid)

    def overdue_principal(self, day: dt.date) -> Decimal:
        """Principal of instalments due before ``day`` and still unpaid (what penalty runs on)."""
        return sum((d.open(PRINCIPAL) for d in self.dues if d.due_date < day), ZERO)

    def total_debt(self, day: dt.date) -> Decimal:
        """What closes the loan on ``day``: principal outstanding, interest due by ``day`` and
        that of the running period up to ``day``, penalty and costs, less the deposit."""
        interest = sum((d.open(INTEREST) for d in self.due_by(day)), ZERO)
        interest += sum(
            (max(ZERO, _accrued_interest(d, day) - d.paid_interest)
             for d in self.dues if d.due_date > day),
            ZERO,
        )
        return (
            self.principal_outstanding()
            + interest
            + (self.penalty - self.penalty_paid)
            + (self.other - self.other_paid)
            - self.deposit
        )

    def days_past_due(self, day: dt.date) -> int:
        unpaid = [d.due_date for d in self.due_by(day) if d.open(PRINCIPAL) + d.open(INTEREST) > 0]
        return (day - min(unpaid)).days if unpaid else 0

    def is_settled(self) -> bool:
        return (
            all(d.open(PRINCIPAL) == 0 and d.open(INTEREST) == 0 for d in self.dues)
            and self.penalty == self.penalty_paid
            and self.other == self.other_paid
        )


BUCKETS = (
    (0, 0, "current"),
    (1, 30, "1-30"),
    (31, 60, "31-60"),
    (61, 90, "61-90"),
    (91, None, "90+"),
)


def bucket(days_past_due: int) -> str:
    """The delinquency bucket of a number of days past due."""
    for low, high, name in BUCKETS:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return name
    raise EngineError("negative days past due")


@dataclass(frozen=True)
class Line:
    component: str  # principal, interest, penalty, other, deposit
    amount: Decimal
    instalment: int | None = None


@dataclass(frozen=True)
class Allocation:
    amount: Decimal
    lines: tuple[Line, ...] = field(default_factory=tuple)

    def total(self, component: str) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.component == component), ZERO)

    def received(self) -> Decimal:
        """The money of the lines (a waiver is not money)."""
        return sum((ln.amount for ln in self.lines if ln.component != WAIVED), ZERO)


def allocate(ledger: Ledger, amount: Decimal, day: dt.date, order=DEFAULT_ORDER) -> Allocation:
    """Split a payment of ``amount`` made on ``day`` and apply it to ``ledger`` (in place).

    First what is due by ``day``, component by component in ``order`` (by default penalty
    interest and other costs, then interest, then principal: Civil Code art. 451), each
    component oldest instalment first. What is left goes to the deposit (an overpayment,
    which staff apply or refund), unless it repays the loan early: when it covers all the
    principal not yet due and the interest of the running period up to ``day``, it pays
    them, and the interest of the remaining term is waived (Consumer Credit Act art. 49:
    the cost of credit falls with the term); the rest goes to the deposit.
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise EngineError("a payment must be positive")
    if sorted(order) != sorted(COMPONENTS):
        raise EngineError("the order must name each component once")
    left = amount
    lines: list[Line] = []

    def take(component, open_amount, instalment=None):
        nonlocal left
        part = min(left, open_amount)
        if part > 0:
            left -= part
            lines.append(Line(component, part, instalment))
        return part

    for component in order:
        if component == PENALTY:
            ledger.penalty_paid += take(PENALTY, ledger.penalty - ledger.penalty_paid)
        elif component == OTHER:
            ledger.other_paid += take(OTHER, ledger.other - ledger.other_paid)
        else:
            for d in ledger.due_by(day):
                part = take(component, d.open(component), d.number)
                if component == PRINCIPAL:
                    d.paid_principal += part
                else:
                    d.paid_interest += part
    future = [d for d in ledger.dues if d.due_date > day]
    accrued = {d.number: max(ZERO, _accrued_interest(d, day) - d.paid_interest) for d in future}
    payoff = sum((d.open(PRINCIPAL) for d in future), ZERO) + sum(accrued.values(), ZERO)
    if future and left > 0 and left >= payoff:
        for d in future:
            d.paid_interest += take(INTEREST, accrued[d.number], d.number)
            d.paid_principal += take(PRINCIPAL, d.open(PRINCIPAL), d.number)
            rest = d.open(INTEREST)
            if rest > 0:
                d.interest -= rest
                lines.append(Line(WAIVED, rest, d.number))
    if left > 0:
        ledger.deposit += left
        lines.append(Line(DEPOSIT, left))
        left = ZERO
    return Allocation(amount, tuple(lines))


def _accrued_interest(due: Due, day: dt.date) -> Decimal:
    """The part of ``due``'s interest for its period up to ``day`` (days elapsed / days)."""
    if due.start is None or day <= due.start:
        return ZERO
    whole = (due.due_date - due.start).days
    elapsed = min(whole, (day - due.start).days)
    return (due.interest * elapsed / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def reverse(ledger: Ledger, allocation: Allocation) -> None:
    """Undo ``allocation`` on ``ledger`` exactly (in place)."""
    by_number = {d.number: d for d in ledger.dues}
    for line in allocation.lines:
        if line.component == PENALTY:
            ledger.penalty_paid -= line.amount
        elif line.component == OTHER:
            ledger.other_paid -= line.amount
        elif line.component == DEPOSIT:
            ledger.deposit -= line.amount
        elif line.component == WAIVED:
            by_number[line.instalment].interest += line.amount
        elif line.component == PRINCIPAL:
            by_number[line.instalment].paid_principal -= line.amount
        else:
            by_number[line.instalment].paid_interest -= line.amount
    if ledger.deposit < 0 or ledger.penalty_paid < 0 or ledger.other_paid < 0:
        raise EngineError("the reversal does not match the ledger")


# --------------------------------------------------------------------------- penalty interest


def daily_penalty(
    overdue_principal: Decimal, product_rate: Decimal, cap_rate: Decimal, day: dt.date
) -> Decimal:
    """Penalty interest for one day: overdue principal x min(rate, statutory cap) / year days.

    Not rounded: the accrual keeps the exact amount and rounds the running total to cents
    (``accrued_penalty``), so 30 daily accruals equal one 30-day accrual.
    """
    rate = min(Decimal(product_rate), Decimal(cap_rate))
    if overdue_principal <= 0 or rate <= 0:
        return Decimal(0)
    year_days = 366 if calendar.isleap(day.year) else 365
    return Decimal(overdue_principal) * rate / HUNDRED / year_days


def accrued_penalty(days: list[tuple[dt.date, Decimal, Decimal, Decimal]]) -> Decimal:
    """Penalty over days given as (day, overdue principal, rate, cap), rounded to cents."""
    exact = sum((daily_penalty(p, r, c, d) for d, p, r, c in days), Decimal(0))
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- early repayment


@dataclass(frozen=True)
class EarlyRepaymentQuote:
    day: dt.date
    principal: Decimal
    interest: Decimal  # interest due and unpaid plus interest of the running period to ``day``
    penalty: Decimal
    other: Decimal
    cost_reduction: Decimal  # art. 49: the part of the upfront costs for the remaining term
    deposit: Decimal

    @property
    def total(self) -> Decimal:
        return max(
            ZERO,
            self.principal
            + self.interest
            + self.penalty
            + self.other
            - self.cost_reduction
            - self.deposit,
        )


def early_repayment_quote(
    terms: Terms, ledger: Ledger, day: dt.date, upfront_costs: Decimal = ZERO
) -> EarlyRepaymentQuote:
    """What closes the loan on ``day`` (Consumer Credit Act art. 49).

    The borrower owes the principal outstanding, the interest due and unpaid, the interest of
    the running period for the days already elapsed (in proportion to the days, under the
    product's day count for declining balance; in proportion of the period for flat), penalty
    interest and other costs; the total cost of credit is reduced by the costs for the period
    by which the term is shortened, in proportion to the days left of the whole term.
    """
    interest = ZERO
    for d in ledger.dues:
        if d.due_date <= day:
            interest += d.open(INTEREST)
    running = next((d for d in ledger.dues if d.due_date > day), None)
    if running is not None:
        index = ledger.dues.index(running)
        start = terms.start if index == 0 else ledger.dues[index - 1].due_date
        if day > start:
            whole = Decimal((running.due_date - start).days)
            elapsed = Decimal((day - start).days)
            accrued = terms.round(running.interest * elapsed / whole)
            interest += max(ZERO, accrued - running.paid_interest)
    end = ledger.dues[-1].due_date
    term = Decimal((end - terms.start).days)
    left = Decimal(max(0, (end - day).days))
    reduction = (
        (Decimal(upfront_costs) * left / term).quantize(CENT, rounding=ROUND_HALF_UP)
        if term
        else ZERO
    )
    return EarlyRepaymentQuote(
        day=day,
        principal=ledger.principal_outstanding(),
        interest=interest,
        penalty=ledger.penalty - ledger.penalty_paid,
        other=ledger.other - ledger.other_paid,
        cost_reduction=reduction,
        deposit=ledger.deposit,
    )


def balance_over_time(
    rows: list[Instalment], start: dt.date, amount: Decimal
) -> list[tuple[dt.date, Decimal]]:
    """Scheduled principal balance at the start and after each instalment (for the chart)."""
    return [(start, Decimal(amount))] + [(r.due_date, r.balance) for r in rows]
