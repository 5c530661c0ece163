"""Statement of account: opening balance, documents, payments, closing balance, as PDF."""

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import translation

from apps.client_portal.billing import services
from apps.client_portal.billing.models import Payment
from apps.client_portal.core.tenancy import Role

from .helpers import member, organization, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    org = organization("Statement Test SRL")
    published(org, amount="100.00", vat_rate="0", number="ST-OLD", issue=dt.date(2025, 12, 1))
    published(org, amount="200.00", vat_rate="19", number="ST-JAN", issue=dt.date(2026, 1, 10))
    inv = published(org, amount="50.00", vat_rate="0", number="ST-EUR", currency="EUR",
                    issue=dt.date(2026, 1, 20))
    published(org, amount="10.00", vat_rate="0", number="ST-CN", currency="EUR",
              kind="credit_note", related=inv, issue=dt.date(2026, 1, 25))
    services.record_payment(organization=org, amount=Decimal("80.00"), currency="RON",
                            method=Payment.Method.BANK_TRANSFER, reference="TRX-555",
                            paid_at=dt.date(2026, 1, 15))
    published(org, amount="999.00", vat_rate="0", number="ST-LATER", issue=dt.date(2026, 3, 1))
    return org


def test_statement_figures(history):
    by_currency = {c["currency"]: c for c in
                   services.statement(history, dt.date(2026, 1, 1), dt.date(2026, 1, 31))}
    ron, eur = by_currency["RON"], by_currency["EUR"]
    assert ron["opening"] == Decimal("100.00")
    assert [(e["text"], e["debit"], e["credit"], e["balance"]) for e in ron["entries"]] == [
        ("Invoice ST-JAN", Decimal("238.00"), Decimal("0.00"), Decimal("338.00")),
        ("Payment TRX-555 (Bank transfer)", Decimal("0.00"), Decimal("80.00"),
         Decimal("258.00")),
    ]
    assert ron["closing"] == Decimal("258.00") == services.balance(history, dt.date(2026, 1, 31))[
        "RON"]
    assert (eur["opening"], eur["closing"]) == (Decimal("0.00"), Decimal("40.00"))


def test_statement_pdf_says_it_all(history):
    pdf = services.statement_pdf(history, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    for expected in ["Statement of account", "Statement Test SRL", "Opening balance",
                     "Closing balance", "Invoice ST-JAN", "Payment TRX-555", "Credit note ST-CN",
                     "338.00", "258.00", "RON", "EUR", "40.00"]:
        assert expected in text, expected
    assert "ST-LATER" not in text and "ST-OLD" not in text


def test_statement_page_and_pdf_download(history, login):
    viewer = member(history, Role.VIEWER)
    client = login(viewer, history)
    page = client.get("/billing/statement/?start=2026-01-01&end=2026-01-31")
    assert page.status_code == 200
    body = page.content.decode()
    assert "ST-JAN" in body and "TRX-555" in body and "statement.pdf?start=2026-01-01" in body
    response = client.get("/billing/statement.pdf?start=2026-01-01&end=2026-01-31")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    bad = client.get("/billing/statement/?start=2026-02-01&end=2026-01-01")
    assert "cannot be before" in bad.content.decode()
    assert client.get("/billing/statement.pdf?start=x&end=y").status_code == 400


def test_statement_shows_only_the_active_organization(history, login):
    other = organization("Other SRL")
    stranger = member(other)
    client = login(stranger, other)
    body = client.get("/billing/statement/?start=2026-01-01&end=2026-01-31").content.decode()
    assert "ST-JAN" not in body and "TRX-555" not in body


@pytest.mark.parametrize(("query", "reason"), [
    # The first days of the calendar: the opening balance's day before overflowed (a 500).
    ("start=0001-01-01&end=0001-01-05", "between the years 1900 and 2999"),
    ("start=9999-12-25&end=9999-12-31", "between the years 1900 and 2999"),
    ("start=1899-12-31&end=1900-01-05", "between the years 1900 and 2999"),
    ("start=2026-02-01&end=2026-01-01", "cannot be before its start"),
    ("start=2000-01-01&end=2026-01-01", "at most ten years"),
])
def test_a_period_that_cannot_be_shown_is_refused_with_its_reason(history, login, query,
                                                                  reason):
    """The page comes back with the reason and 400; the PDF link too, never a 500."""
    client = login(member(history, Role.VIEWER), history)
    page = client.get(f"/billing/statement/?{query}")
    assert page.status_code == 400
    assert reason in page.content.decode()
    pdf = client.get(f"/billing/statement.pdf?{query}")
    assert pdf.status_code == 400 and not pdf.content.startswith(b"%PDF")
    assert reason in pdf.content.decode()


@pytest.mark.parametrize("language", ["en", "ro", "ru", "pl"])
def test_the_period_fields_carry_their_dates_in_every_language(history, login, language):
    """The browser's date field takes only ISO dates: a localized 01.01.2026 would be
    dropped, leaving From and To empty and the form unable to be sent."""
    person = member(history, Role.VIEWER)
    person.language = language
    person.save(update_fields=["language"])
    client = login(person, history)
    page = client.get("/billing/statement/?start=2026-01-01&end=2026-01-31")
    body = page.content.decode()
    assert page.status_code == 200 and f'<html lang="{language}"' in body
    assert 'type="date"' in body
    assert 'value="2026-01-01"' in body and 'value="2026-01-31"' in body
    # Without a period: the default one, still ISO.
    default = client.get("/billing/statement/").content.decode()
    assert f'value="{dt.date.today().year}-01-01"' in default


def test_statement_cells_carry_their_labels_and_figures_align_right(history, login):
    """On a phone each row is a card whose cells show their column's name (portal.css
    reads data-label); at full width the figure headings sit right, over their figures."""
    client = login(member(history, Role.VIEWER), history)
    with translation.override("ru"):
        body = client.get("/billing/statement/?start=2026-01-01&end=2026-01-31",
                          HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    tables = re.findall(r'<table class="data">.*?</table>', body, re.S)
    assert len(tables) == 2  # RON and EUR
    labels = {}
    for table in tables:
        headings = re.findall(r"<th scope=\"col\"( class=\"cell-number\")?>([^<]+)</th>", table)
        assert [bool(number) for number, _ in headings] == [False, False, True, True, True]
        names = [name for _, name in headings]
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
        assert len(rows) >= 3  # opening, entries, closing
        for row in rows:
            cells = re.findall(r'<td data-label="([^"]*)"( class="cell-number")?', row)
            assert [label for label, _ in cells] == names, row
            assert [bool(number) for _, number in cells][2:] == [True, True, True]
            # No empty figure cell: a card would show a bare label.
            assert "cell-number\"></td>" not in row
        labels.update(dict.fromkeys(names))
    assert "Debit" not in labels  # in the reader's language
