"""Bank statement import: CSV and MT940, by loan number, all or nothing per file."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.client_portal.loans.models import Loan, Repayment
from apps.client_portal.loans.statements import import_statement

pytestmark = pytest.mark.django_db


def upload(text, name="statement.csv"):
    return SimpleUploadedFile(name, text.encode())


def test_csv_records_each_line_by_loan_number(demo):
    text = ("date,amount,reference,transaction_id\n"
            "2026-11-20,120.00,Rata PL-2025-0104,TX-1\n"
            "2026-11-21,80.50,PL-2025-0001 Jan Testowy,TX-2\n")
    report = import_statement(upload(text), by=demo.users["admin"])
    assert report.ok and report.recorded == 2
    assert Repayment.objects.get(reference="TX-1").loan.number == "PL-2025-0104"
    assert Repayment.objects.get(reference="TX-2").amount == D("80.50")
    # The same file again: every line already recorded, nothing twice.
    again = import_statement(upload(text), by=demo.users["admin"])
    assert again.ok and again.recorded == 0
    assert Repayment.objects.filter(reference__in=["TX-1", "TX-2"]).count() == 2


def test_one_bad_line_records_nothing_and_says_why(demo):
    text = ("date,amount,reference,transaction_id\n"
            "2026-11-20,120.00,Rata PL-2025-0104,TX-3\n"
            "2026-11-20,12x,Rata PL-2025-0104,TX-4\n"
            "2026-11-20,50.00,no loan here,TX-5\n"
            "2026-11-20,50.00,PL-2024-0002 repaid,TX-6\n")
    report = import_statement(upload(text), by=demo.users["admin"])
    assert not report.ok and report.recorded == 0
    errors = [line.error for line in report.lines]
    assert errors[0] == "" and "number" in errors[1] and "loan" in errors[2] and errors[3]
    assert not Repayment.objects.filter(reference__startswith="TX-").exists()


def test_mt940(demo):
    text = (":20:STMT-0001\n:25:PL61109010140000071219812874\n:28C:1/1\n"
            ":60F:C261101PLN1000,00\n"
            ":61:2611050105C250,00NTRFREF-1//BANK-0001\n:86:Splata raty PL-2025-0104\n"
            ":61:2611060106D10,00NTRFREF-2//BANK-0002\n:86:Oplata\n"
            ":62F:C261106PLN1240,00\n")
    report = import_statement(upload(text, "statement.sta"), by=demo.users["admin"])
    assert not report.ok    # the debit line is refused, so nothing is recorded
    assert "debit" in report.lines[1].error
    credit_only = text.replace(":61:2611060106D10,00NTRFREF-2//BANK-0002\n:86:Oplata\n", "")
    report = import_statement(upload(credit_only, "statement.sta"), by=demo.users["admin"])
    assert report.ok and report.recorded == 1
    repayment = Repayment.objects.get(reference="BANK-0001")
    assert repayment.loan == Loan.objects.get(number="PL-2025-0104")
    assert repayment.amount == D("250.00") and repayment.source == Repayment.Source.BANK


def test_the_back_office_import_page(demo, client):
    client.force_login(demo.users["admin"])
    url = "/admin/loans/loan/import-statement/"
    assert client.get(url).status_code == 200
    text = "date,amount,reference,transaction_id\n2026-11-20,33.00,PL-2025-0104,TX-9\n"
    response = client.post(url, {"file": upload(text)})
    assert response.status_code == 200 and "Recorded" in response.content.decode()
    assert Repayment.objects.filter(reference="TX-9", amount=D("33.00")).exists()


def test_a_number_two_organizations_use_is_refused_not_guessed(demo):
    """Loan numbers are unique per organization only: never post on another client's loan."""
    active = list(Loan.objects.filter(status=Loan.Status.ACTIVE).order_by("id"))
    mine = next(loan for loan in active if loan.number == "PL-2025-0104")
    other = next(loan for loan in active if loan.organization_id != mine.organization_id)
    Loan.objects.filter(pk=other.pk).update(number=mine.number)
    text = f"date,amount,reference,transaction_id\n2026-11-20,100.00,Rata {mine.number},TX-AMB\n"
    report = import_statement(upload(text), by=demo.users["admin"])
    assert not report.ok and report.recorded == 0
    assert "more than one organization" in report.lines[0].error
    assert not Repayment.objects.filter(reference="TX-AMB").exists()
    # Once the number is unique again the same line goes to the one loan.
    Loan.objects.filter(pk=other.pk).update(number="PL-OTHER-1")
    report = import_statement(upload(text), by=demo.users["admin"])
    assert report.ok and Repayment.objects.get(reference="TX-AMB").loan == mine
