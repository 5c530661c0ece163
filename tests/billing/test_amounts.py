"""Money arithmetic: Decimal, rounding half-up per line, totals as sums of rounded lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument, FinancialDocumentLine, money

from .helpers import draft, organization

pytestmark = pytest.mark.django_db


def test_money_rounds_half_up_to_cents():
    assert money(Decimal("1.005")) == Decimal("1.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert money(Decimal("-1.005")) == Decimal("-1.01")
    assert money("0.004") == Decimal("0.00")


def test_each_line_is_rounded_and_the_document_sums_the_rounded_lines():
    org = organization()
    lines = [
        # 3 x 0.335 = 1.005 -> 1.01; VAT 19 % of 1.01 = 0.1919 -> 0.19
        {"description": "A", "quantity": Decimal("3"), "unit": "h",
         "unit_price": Decimal("0.335"), "vat_rate": Decimal("19")},
        {"description": "B", "quantity": Decimal("3"), "unit": "h",
         "unit_price": Decimal("0.335"), "vat_rate": Decimal("19")},
        # 1 x 0.125 = 0.125 -> 0.13; VAT 9 % = 0.0117 -> 0.01
        {"description": "C", "quantity": Decimal("1"), "unit": "",
         "unit_price": Decimal("0.125"), "vat_rate": Decimal("9")},
    ]
    doc = draft(org, lines=lines)
    got = [(line.net, line.vat, line.total) for line in doc.lines.all()]
    assert got == [(Decimal("1.01"), Decimal("0.19"), Decimal("1.20")),
                   (Decimal("1.01"), Decimal("0.19"), Decimal("1.20")),
                   (Decimal("0.13"), Decimal("0.01"), Decimal("0.14"))]
    # Sum of rounded lines (2.15), not the rounded sum of raw amounts (2.135 -> 2.14).
    assert doc.net == Decimal("2.15")
    assert doc.vat == Decimal("0.39")
    assert doc.total == Decimal("2.54") == doc.net + doc.vat
    assert doc.outstanding == doc.total
    assert services.vat_by_rate(doc.lines.all()) == [
        {"rate": Decimal("9.00"), "base": Decimal("0.13"), "vat": Decimal("0.01")},
        {"rate": Decimal("19.00"), "base": Decimal("2.02"), "vat": Decimal("0.38")},
    ]


def test_a_total_that_is_not_net_plus_vat_is_refused():
    org = organization()
    doc = FinancialDocument(organization=org, number="X-1", issue_date=dt.date(2026, 1, 1),
                            due_date=dt.date(2026, 1, 31), currency="EUR",
                            net=Decimal("100.00"), vat=Decimal("19.00"), total=Decimal("119.01"))
    with pytest.raises(ValidationError) as caught:
        doc.full_clean()
    assert caught.value.error_dict["total"][0].code == "total"


def test_due_date_before_issue_date_is_refused():
    org = organization()
    doc = FinancialDocument(organization=org, number="X-2", issue_date=dt.date(2026, 2, 1),
                            due_date=dt.date(2026, 1, 31), currency="EUR")
    with pytest.raises(ValidationError) as caught:
        doc.full_clean()
    assert "due_date" in caught.value.error_dict


def test_numbers_are_unique_per_kind():
    org = organization()
    draft(org, number="N-1")
    draft(org, number="N-1", kind="credit_note")  # another kind may reuse it
    with pytest.raises(ValidationError):
        draft(org, number="N-1")


def test_line_amounts_are_computed_not_trusted():
    org = organization()
    doc = draft(org, amount="10.00")
    line = FinancialDocumentLine(document=doc, description="x", quantity=Decimal("2"),
                                 unit_price=Decimal("9.999"), vat_rate=Decimal("20"),
                                 net=Decimal("999"), vat=Decimal("999"), total=Decimal("999"))
    line.save()
    assert (line.net, line.vat, line.total) == (Decimal("20.00"), Decimal("4.00"),
                                                Decimal("24.00"))
