"""The loan engine: schedules, APR, limits, allocation, penalty, arrears, early repayment."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.client_portal.loans import engine as E

START = dt.date(2026, 1, 15)


def terms(**kw):
    base = dict(amount=D("10000"), annual_rate=D("12"), instalments=12, start=START)
    base.update(kw)
    return E.Terms(**base)


# ------------------------------------------------------------------ schedules


def test_equal_instalments_pmt_and_last_absorbs_rounding():
    rows = E.schedule(terms())
    # PMT(1 %, 12, 10000) = 888.4878... -> 888.49
    assert {r.total for r in rows[:-1]} == {D("888.49")}
    assert sum(r.principal for r in rows) == D("10000")
    assert rows[-1].balance == 0 and rows[0].interest == D("100.00")
    assert rows[-1].total != D("888.49")  # the last one takes what rounding left


def test_equal_principal_declining():
    rows = E.schedule(terms(amortization=E.EQUAL_PRINCIPAL, instalments=3, amount=D("1000")))
    assert [r.principal for r in rows] == [D("333.33"), D("333.33"), D("333.34")]
    assert [r.interest for r in rows] == [D("10.00"), D("6.67"), D("3.33")]


def test_flat_interest_is_on_the_amount():
    rows = E.schedule(
        terms(
            interest_method=E.FLAT, amortization=E.EQUAL_PRINCIPAL, instalments=4, amount=D("1200")
        )
    )
    assert [r.interest for r in rows] == [D("12.00")] * 4
    assert [r.principal for r in rows] == [D("300.00")] * 4


def test_tiny_flat_interest_never_negative():
    rows = E.schedule(
        terms(interest_method=E.FLAT, instalments=4, amount=D("100"), annual_rate=D("0.07"))
    )
    assert all(r.interest >= 0 for r in rows)
    assert sum(r.interest for r in rows) == D("0.02")


def test_single_payment():
    rows = E.schedule(
        terms(
            amortization=E.SINGLE_PAYMENT,
            frequency=E.SINGLE,
            instalments=1,
            term_days=30,
            day_count=E.ACT_365,
            amount=D("1000"),
            annual_rate=D("18.25"),
        )
    )
    assert len(rows) == 1 and rows[0].due_date == START + dt.timedelta(days=30)
    assert rows[0].principal == D("1000") and rows[0].interest == D("15.00")


def test_weekly_frequency_dates_and_rate():
    rows = E.schedule(
        terms(
            frequency=E.WEEKLY,
            instalments=4,
            amount=D("520"),
            annual_rate=D("52"),
            day_count=E.ACT_365,
        )
    )
    assert [r.due_date for r in rows] == [START + dt.timedelta(weeks=i) for i in range(1, 5)]
    assert sum(r.principal for r in rows) == D("520")


def test_grace_on_principal_and_interest():
    rows = E.schedule(terms(instalments=6, principal_grace=2, interest_grace=1, amount=D("6000")))
    assert [r.principal for r in rows[:2]] == [0, 0]
    assert rows[0].interest == 0  # deferred ...
    assert rows[1].interest == D("120.00")  # ... to the first instalment after the grace
    assert sum(r.principal for r in rows) == D("6000")


def test_month_end_dates_clamp():
    rows = E.schedule(terms(start=dt.date(2026, 1, 31), instalments=3))
    assert [r.due_date for r in rows] == [
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]


def test_day_counts():
    a, b = dt.date(2023, 12, 1), dt.date(2024, 2, 1)
    assert E.year_fraction(E.ACT_365, a, b) == D(62) / D(365)
    assert E.year_fraction(E.ACT_ACT, a, b) == D(31) / D(365) + D(31) / D(366)
    assert E.year_fraction(E.D30_360, a, b) == D(60) / D(360)
    assert E.year_fraction(E.D30_360, dt.date(2026, 1, 31), dt.date(2026, 3, 31)) == D(60) / D(360)


def test_bad_terms_are_refused():
    with pytest.raises(E.EngineError):
        E.schedule(terms(instalments=0))
    with pytest.raises(E.EngineError):
        E.schedule(terms(principal_grace=12))
    with pytest.raises(E.EngineError):
        E.schedule(terms(amount=D("-5")))


# ------------------------------------------------------------------ APR: CCD Annex I examples


def test_apr_one_repayment_after_546_days():
    d0 = dt.date(2026, 1, 1)
    assert E.apr([(d0, D(1000))], [(d0 + dt.timedelta(days=546), D(1200))]) == D("12.96")


def test_apr_with_50_of_costs_deducted():
    d0 = dt.date(2026, 1, 1)
    assert E.apr([(d0, D(950))], [(d0 + dt.timedelta(days=546), D(1200))]).quantize(D("0.1")) == D(
        "16.9"
    )


def test_apr_two_yearly_payments():
    d0 = dt.date(2026, 1, 1)
    pay = [(d0 + dt.timedelta(days=365), D(600)), (d0 + dt.timedelta(days=730), D(600))]
    assert E.apr([(d0, D(1000))], pay) == D("13.07")


def test_apr_of_a_schedule_exceeds_nominal_rate():
    t = terms()
    value = E.schedule_apr(t, E.schedule(t))
    assert D("12.5") < value < D("12.8")  # 12 % nominal monthly compounding -> 12.68 % effective


# ------------------------------------------------------------------ statutory limits


def test_limits_formulas():
    assert E.max_interest_rate(D("5.75")) == D("18.50")
    assert E.max_penalty_rate(D("5.75")) == D("22.50")
    # K=10000, 365 days: 1000 + 1000 = 2000
    assert E.max_non_interest_costs(D(10000), 365) == D("2000.00")
    # 3 years: 1000 + 3000 = 4000, under the 45 % cap; 5 years: 6000, capped at 4500
    assert E.max_non_interest_costs(D(10000), 3 * 365) == D("4000.00")
    assert E.max_non_interest_costs(D(10000), 5 * 365) == D("4500.00")
    assert E.max_non_interest_costs(D(10000), 29) == D("500.00")


def test_check_limits_names_each_breach():
    breaches = E.check_limits(
        annual_rate=D("19"),
        penalty_rate=D("23"),
        costs=D("2001"),
        amount=D(10000),
        term_days=365,
        reference_rate=D("5.75"),
    )
    assert [b.code for b in breaches] == ["interest", "penalty", "costs"]
    assert (
        E.check_limits(
            annual_rate=D("18.5"),
            penalty_rate=D("22.5"),
            costs=D("2000"),
            amount=D(10000),
            term_days=365,
            reference_rate=D("5.75"),
        )
        == []
    )


# ------------------------------------------------------------------ allocation


def ledger_for(**kw):
    return E.Ledger.from_schedule(E.schedule(terms(**kw)))


def test_allocation_order_costs_then_interest_then_principal():
    ledger = ledger_for(instalments=3, amount=D("3000"))
    ledger.penalty, ledger.other = D("5.00"), D("7.00")
    day = ledger.dues[1].due_date  # two instalments due
    alloc = E.allocate(ledger, D("100"), day)
    assert [(ln.component, ln.amount) for ln in alloc.lines] == [
        ("penalty", D("5.00")),
        ("other", D("7.00")),
        ("interest", D("30.00")),
        ("interest", D("20.10")),
        ("principal", D("37.90")),
    ]
    assert ledger.dues[0].paid_principal == D("37.90")


def test_custom_order_principal_first():
    ledger = ledger_for(instalments=3, amount=D("3000"))
    day = ledger.dues[0].due_date
    alloc = E.allocate(ledger, D("50"), day, order=(E.PRINCIPAL, E.INTEREST, E.PENALTY, E.OTHER))
    assert alloc.lines[0].component == "principal" and alloc.total("principal") == D("50")


def test_overpayment_goes_to_deposit():
    ledger = ledger_for(instalments=3, amount=D("3000"))
    day = ledger.dues[0].due_date
    alloc = E.allocate(ledger, ledger.dues[0].principal + ledger.dues[0].interest + 50, day)
    assert alloc.total("deposit") == 50 and ledger.deposit == 50
    assert ledger.dues[1].paid_principal == 0  # nothing paid ahead


def test_early_repayment_pays_principal_waives_future_interest_and_reverses():
    ledger = ledger_for(instalments=2, amount=D("1000"))
    before = ledger.snapshot()
    day = START + dt.timedelta(days=10)  # a third of the first month
    alloc = E.allocate(ledger, D("2000"), day)
    assert ledger.is_settled()
    assert alloc.total("principal") == D("1000")
    assert D("3.20") <= alloc.total("interest") <= D("3.40")  # 10 of 31 days of 10.00
    assert alloc.total("waived") > 0 and alloc.received() == D("2000")
    assert ledger.deposit == D("2000") - D("1000") - alloc.total("interest")
    E.reverse(ledger, alloc)
    assert ledger.snapshot() == before


def test_arrears_and_buckets():
    ledger = ledger_for(instalments=3, amount=D("3000"))
    first = ledger.dues[0].due_date
    assert ledger.days_past_due(first) == 0
    assert ledger.days_past_due(first + dt.timedelta(days=45)) == 45
    assert E.bucket(0) == "current" and E.bucket(45) == "31-60" and E.bucket(200) == "90+"
    assert ledger.arrears(first) == ledger.dues[0].principal + ledger.dues[0].interest
    assert ledger.total_debt(first) == D("3000") + ledger.dues[0].interest
    # Ten days into the second period: a third of its interest has run too.
    later = first + dt.timedelta(days=10)
    running = (ledger.dues[1].interest * 10 / (ledger.dues[1].due_date - first).days).quantize(
        D("0.01"))
    assert ledger.total_debt(later) == D("3000") + ledger.dues[0].interest + running


# ------------------------------------------------------------------ penalty interest


def test_penalty_capped_by_the_limit_in_force_each_day():
    # 10 days at a product rate of 25 %: 5 days under a cap of 22.5 %, 5 days under 20 % (rate cut)
    days = [
        (dt.date(2026, 3, 1) + dt.timedelta(days=i), D(1000), D(25), D("22.5") if i < 5 else D(20))
        for i in range(10)
    ]
    expected = (D(1000) * D("0.225") * 5 / 365 + D(1000) * D("0.20") * 5 / 365).quantize(D("0.01"))
    assert E.accrued_penalty(days) == expected == D("5.82")


def test_no_penalty_without_overdue_principal():
    assert E.daily_penalty(D(0), D(20), D(20), START) == 0


# ------------------------------------------------------------------ early repayment (art. 49)


def test_early_repayment_quote_reduces_costs_proportionally():
    t = terms(instalments=12)
    ledger = E.Ledger.from_schedule(E.schedule(t))
    end = ledger.dues[-1].due_date
    half = t.start + (end - t.start) / 2
    quote = E.early_repayment_quote(t, ledger, half, upfront_costs=D("1000"))
    left = (end - half).days
    assert quote.cost_reduction == (D(1000) * left / (end - t.start).days).quantize(D("0.01"))
    assert quote.cost_reduction == D("501.37")  # 183 of 365 days left
    assert quote.principal == D("10000")  # nothing paid yet
    assert quote.total == quote.principal + quote.interest - quote.cost_reduction


# ------------------------------------------------------------------ properties

terms_strategy = st.builds(
    E.Terms,
    amount=st.decimals(min_value=D("100"), max_value=D("500000"), places=2),
    annual_rate=st.decimals(min_value=D("0"), max_value=D("40"), places=2),
    instalments=st.integers(min_value=2, max_value=48),
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    amortization=st.sampled_from([E.EQUAL_INSTALMENTS, E.EQUAL_PRINCIPAL]),
    interest_method=st.sampled_from(E.INTEREST_METHODS),
    day_count=st.sampled_from(E.DAY_COUNTS),
    frequency=st.sampled_from([E.MONTHLY, E.WEEKLY]),
    principal_grace=st.integers(min_value=0, max_value=1),
    interest_grace=st.integers(min_value=0, max_value=1),
    multiple=st.sampled_from([D("0.01"), D("1")]),
)


@settings(max_examples=60, deadline=None)
@given(terms_strategy)
def test_schedule_properties(t):
    rows = E.schedule(t)
    assert sum(r.principal for r in rows) == t.amount
    for r in rows:
        assert r.total == r.principal + r.interest
        assert r.balance >= 0 and r.principal >= 0 and r.interest >= 0
    total_interest = sum(r.interest for r in rows)
    assert sum(r.total for r in rows) == t.amount + total_interest
    assert rows[-1].balance == 0


@settings(max_examples=60, deadline=None)
@given(
    terms_strategy,
    st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2), min_size=1, max_size=4
    ),
    st.integers(min_value=0, max_value=2000),
)
def test_allocate_then_reverse_restores(t, payments, offset):
    ledger = E.Ledger.from_schedule(E.schedule(t))
    ledger.penalty, ledger.other = D("3.21"), D("1.50")
    day = t.start + dt.timedelta(days=offset)
    before = ledger.snapshot()
    allocations = [E.allocate(ledger, p, day) for p in payments]
    for p, a in zip(payments, allocations, strict=False):
        assert a.received() == p
    assert ledger.principal_outstanding() >= 0
    for a in reversed(allocations):
        E.reverse(ledger, a)
    assert ledger.snapshot() == before
