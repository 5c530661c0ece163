"""Our schedules against Apache Fineract's expected schedules (fixtures/loans/), to the cent."""

import datetime as dt
import json
import pathlib
from decimal import Decimal

import pytest

from apps.client_portal.loans import engine as E

FIXTURES = sorted(
    (pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "loans").glob("fineract_*.json")
)

# How each Fineract product of the e2e tests reads in our terms (LoanProductGlobalInitializerStep /
# LoanProductsRequestFactory): "interest per repayment period" is a 30/360 month; LP1 products round
# the instalment to whole units (installmentAmountInMultiplesOf 1); Fineract rounds half-even.
PRODUCTS = {
    "LP1": (E.D30_360, Decimal(1)),
    "LP1_INTEREST_FLAT": (E.D30_360, Decimal(1)),
    "LP1_INTEREST_DECLINING_BALANCE_PERIOD_SAME_AS_PAYMENT": (E.D30_360, Decimal(1)),
    "LP1_INTEREST_DECLINING_BALANCE_PERIOD_DAILY": (E.ACT_365, Decimal(1)),
    "LP2_ADV_PYMNT_INTEREST_DAILY_EMI_365_ACTUAL": (E.ACT_365, E.CENT),
    "LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30": (E.D30_360, E.CENT),
    "LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30_INTEREST_RECALCULATION_TILL_PRECLOSE": (
        E.D30_360,
        E.CENT,
    ),
    "LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30_INTEREST_RECALCULATION_TILL_REST_FREQUENCY": (
        E.D30_360,
        E.CENT,
    ),
}


def parse_date(text):
    return dt.datetime.strptime(text, "%d %B %Y").date()


def terms_of(fixture):
    t = fixture["terms"]
    day_count, multiple = PRODUCTS[t["LoanProduct"]]
    assert t["repaymentEvery"] == "1" and t["repaymentFrequencyType"] == "MONTHS"
    return E.Terms(
        amount=Decimal(t["with Principal"]),
        annual_rate=Decimal(t["ANNUAL interest rate %"]),
        instalments=int(t["numberOfRepayments"]),
        start=parse_date(fixture["disbursed_on"]),
        amortization={
            "EQUAL_INSTALLMENTS": E.EQUAL_INSTALMENTS,
            "EQUAL_PRINCIPAL_PAYMENTS": E.EQUAL_PRINCIPAL,
        }[t["amortization type"]],
        interest_method={"FLAT": E.FLAT, "DECLINING_BALANCE": E.DECLINING}[t["interest type"]],
        day_count=day_count,
        principal_grace=int(t["graceOnPrincipalPayment"]),
        interest_grace=int(t["graceOnInterestPayment"]),
        rounding="half_even",
        multiple=multiple,
    )


def test_at_least_twenty_fixtures_each_naming_its_source():
    assert len(FIXTURES) >= 20
    for path in FIXTURES:
        source = json.loads(path.read_text())["source"]
        assert source["repository"] == "https://github.com/apache/fineract"
        assert (
            source["file"].endswith(".feature")
            and source["scenario"]
            and len(source["commit"]) == 40
        )


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_schedule_matches_fineract_to_the_cent(path):
    fixture = json.loads(path.read_text())
    rows = E.schedule(terms_of(fixture))
    expected = fixture["periods"]
    assert len(rows) == len(expected)
    for row, exp in zip(rows, expected, strict=False):
        assert (row.number, row.days, row.due_date) == (
            exp["number"],
            exp["days"],
            parse_date(exp["due_date"]),
        )
        assert row.principal == Decimal(exp["principal"]), (row.number, "principal")
        assert row.interest == Decimal(exp["interest"]), (row.number, "interest")
        assert row.balance == Decimal(exp["balance"]), (row.number, "balance")
