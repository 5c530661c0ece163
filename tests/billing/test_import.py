"""CSV/XLSX import: all or nothing, a report naming each bad line and field, and the
same file twice creates nothing twice."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from apps.client_portal.billing.importer import import_documents
from apps.client_portal.billing.models import FinancialDocument, ImportBatch
from apps.client_portal.core.models import AuditEvent

from .helpers import organization

pytestmark = pytest.mark.django_db

HEADER = "client_code,kind,number,issue_date,due_date,currency,net,vat,total\n"


@pytest.fixture
def orgs():
    return organization(code="C-1"), organization(code="C-2")


def csv_bytes(*rows):
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def test_a_good_file_creates_every_document(orgs):
    data = csv_bytes("C-1,invoice,IMP-1,2026-01-05,2026-02-04,RON,100.00,19.00,119.00",
                     "C-2,credit_note,IMP-2,05.01.2026,05.01.2026,EUR,\"10,50\",0,\"10,50\"")
    result = import_documents(data, "january.csv")
    assert result.ok and result.created == 2
    doc = FinancialDocument.objects.get(number="IMP-1")
    assert (doc.organization, doc.total, doc.status) == (orgs[0], Decimal("119.00"), "draft")
    assert FinancialDocument.objects.get(number="IMP-2").total == Decimal("10.50")
    assert AuditEvent.objects.filter(action="billing.import").count() == 1


def test_every_bad_line_and_field_is_named_and_nothing_is_written(orgs):
    FinancialDocument.objects.all().delete()
    from .helpers import draft
    draft(orgs[0], number="TAKEN", amount="5.00")
    before = FinancialDocument.objects.count()
    data = csv_bytes(
        "C-1,invoice,OK-1,2026-01-05,2026-02-04,RON,100.00,19.00,119.00",   # line 2: good
        "C-1,invoice,BAD-VAT,2026-01-05,2026-02-04,RON,100.00,19.00,120.00",  # 3: total
        "C-404,invoice,BAD-ORG,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",   # 4: organization
        "C-1,invoice,OK-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",        # 5: twice in file
        "C-1,invoice,TAKEN,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",       # 6: already used
        "C-1,invoice,BAD-DATE,2026-13-45,2026-02-04,RON,1.00,0.00,1.00",    # 7: date
        "C-1,invoice,BAD-AMOUNT,2026-01-05,2026-02-04,RON,abc,0.00,1.00",   # 8: amount
        "C-1,invoice,BAD-CUR,2026-01-05,2026-02-04,XXX,1.00,0.00,1.00",     # 9: currency
    )
    result = import_documents(data, "bad.csv")
    assert not result.ok
    named = {(e["line"], e["field"], e["code"]) for e in result.errors}
    assert named == {
        (3, "total", "wrong_total"),
        (4, "client_code", "unknown_organization"),
        (5, "number", "duplicate"),
        (6, "number", "duplicate"),
        (7, "issue_date", "bad_date"),
        (8, "net", "bad_amount"),
        (9, "currency", "invalid"),
    }
    assert all(e["message"] for e in result.errors)
    assert FinancialDocument.objects.count() == before  # not even the good line
    batch = ImportBatch.objects.get(status=ImportBatch.Status.REFUSED)
    assert len(batch.report) == 7
    assert AuditEvent.objects.filter(action="billing.import.refused").exists()


def test_unknown_registration_number_is_reported(orgs):
    data = ("registration_number,number,issue_date,due_date,currency,net,vat,total\n"
            "NOPE,R-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00\n"
            f"{orgs[1].registration_number},R-2,2026-01-05,2026-02-04,RON,1.00,0.00,1.00\n"
            ).encode()
    result = import_documents(data, "regs.csv")
    assert [(e["line"], e["field"]) for e in result.errors] == [(2, "registration_number")]
    assert not FinancialDocument.objects.filter(number__in=["R-1", "R-2"]).exists()


def test_missing_columns_refuse_the_file(orgs):
    result = import_documents(b"number,total\nX,1\n", "short.csv")
    assert not result.ok and "Missing columns" in result.errors[0]["message"]


def test_the_same_file_twice_creates_nothing_twice(orgs):
    data = csv_bytes("C-1,invoice,TWICE-1,2026-01-05,2026-02-04,RON,100.00,19.00,119.00")
    first = import_documents(data, "a.csv")
    second = import_documents(data, "a-again.csv")
    assert first.created == 1
    assert second.already_imported and second.created == 0 and second.batch == first.batch
    assert FinancialDocument.objects.filter(number="TWICE-1").count() == 1


def test_a_file_repeating_rows_already_imported_only_adds_the_new_ones(orgs):
    import_documents(csv_bytes("C-1,invoice,ROW-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00"),
                     "a.csv")
    result = import_documents(csv_bytes(
        "C-1,invoice,ROW-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",
        "C-1,invoice,ROW-2,2026-01-06,2026-02-05,RON,2.00,0.00,2.00"), "b.csv")
    assert (result.created, result.skipped) == (1, 1)
    assert FinancialDocument.objects.filter(number__startswith="ROW-").count() == 2


def test_xlsx_is_read_like_csv(orgs):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["C-2", "invoice", "X-1", dt.date(2026, 1, 5), dt.date(2026, 2, 4), "PLN",
                  100, 23, 123])
    sheet.append(["C-2", "invoice", "X-2", dt.date(2026, 1, 5), "garbage", "PLN", 1, 0, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_documents(buffer.getvalue(), "docs.xlsx")
    assert [(e["line"], e["field"], e["code"]) for e in result.errors] == [
        (3, "due_date", "bad_date")]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_documents(buffer.getvalue(), "docs.xlsx")
    assert result.ok and FinancialDocument.objects.get(number="X-1").total == Decimal("123.00")


def test_the_admin_import_page_shows_the_report(client, orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import user

    admin = user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    upload = SimpleUploadedFile("bad.csv", csv_bytes(
        "C-1,invoice,A-1,2026-01-05,2026-02-04,RON,100.00,19.00,118.00"))
    response = client.post("/admin/billing/importbatch/import/", {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Total 118.00 is not net plus VAT (119.00)" in body
    assert not FinancialDocument.objects.filter(number="A-1").exists()
    upload = SimpleUploadedFile("good.csv", csv_bytes(
        "C-1,invoice,A-1,2026-01-05,2026-02-04,RON,100.00,19.00,119.00"))
    response = client.post("/admin/billing/importbatch/import/", {"file": upload})
    assert response.status_code == 302
    assert FinancialDocument.objects.filter(number="A-1").exists()
