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


# --- values that overflow, files too large, lines the reader cannot take -----------------
def xlsx_bytes(*rows, raw=None):
    """An XLSX file of ``rows`` under the header; ``raw`` puts {placeholder: XML value}
    into the sheet as another program would have written it."""
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not raw:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for placeholder, value in raw.items():
                    data = data.replace(f"<v>{placeholder}</v>".encode(),
                                        f"<v>{value}</v>".encode())
            target.writestr(item, data)
    return out.getvalue()


def test_an_amount_beyond_twelve_digits_is_named_and_nothing_is_written(orgs):
    """1e30 used to overflow the decimal arithmetic (a 500); now it is a line and a field."""
    data = csv_bytes("C-1,invoice,BIG-0,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",
                     "C-1,invoice,BIG-1,2026-01-05,2026-02-04,RON,1e30,0.00,1e30",
                     "C-1,invoice,BIG-2,2026-01-05,2026-02-04,RON,1000000000000,0,1000000000000",
                     "C-1,invoice,BIG-3,2026-01-05,2026-02-04,RON,999999999999.99,0,"
                     "999999999999.99")
    result = import_documents(data, "big.csv")
    assert {(e["line"], e["field"], e["code"]) for e in result.errors} == {
        (3, "net", "too_large"), (3, "total", "too_large"),
        (4, "net", "too_large"), (4, "total", "too_large"),
    }
    assert "at most 12 digits before the decimal point" in result.errors[0]["message"]
    assert not FinancialDocument.objects.filter(number__startswith="BIG-").exists()


def test_xlsx_cells_too_large_or_not_finite_are_named(orgs):
    """1e300, infinity (1e999 in a number cell) and NaN or inf written as text."""
    data = xlsx_bytes(
        ["C-2", "invoice", "XB-1", "2026-01-05", "2026-02-04", "PLN", 1e300, 0, 1e300],
        ["C-2", "invoice", "XB-2", "2026-01-05", "2026-02-04", "PLN", 111111, "NaN", "inf"],
        ["C-2", "invoice", "XB-3", "2026-01-05", "2026-02-04", "PLN", 1, 0, 1],
        raw={"111111": "1e999"})
    result = import_documents(data, "big.xlsx")
    assert {(e["line"], e["field"], e["code"]) for e in result.errors} == {
        (2, "net", "too_large"), (2, "total", "too_large"),
        (3, "net", "bad_amount"), (3, "vat", "bad_amount"), (3, "total", "bad_amount"),
    }
    assert all(e["message"] for e in result.errors)
    assert not FinancialDocument.objects.filter(number__startswith="XB-").exists()


def test_an_xlsx_number_cell_openpyxl_cannot_read_names_its_line(orgs):
    data = xlsx_bytes(
        ["C-2", "invoice", "XN-1", "2026-01-05", "2026-02-04", "PLN", 1, 0, 1],
        ["C-2", "invoice", "XN-2", "2026-01-05", "2026-02-04", "PLN", 222222, 0, 1],
        raw={"222222": "NaN"})
    result = import_documents(data, "nan.xlsx")
    assert [(e["line"], e["code"]) for e in result.errors] == [(3, "unreadable")]
    assert not FinancialDocument.objects.filter(number__startswith="XN-").exists()


def test_a_csv_field_over_the_reader_limit_names_its_line_and_column(orgs):
    """csv refuses fields over 128 KB with _csv.Error (a 500 before)."""
    header = HEADER.strip() + ",notes\n"
    data = (header
            + "C-1,invoice,LONG-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00,short\n"
            + "C-1,invoice,LONG-2,2026-01-05,2026-02-04,RON,1.00,0.00,1.00," + "x" * 200_000
            + "\n").encode()
    result = import_documents(data, "long.csv")
    assert [(e["line"], e["field"], e["code"]) for e in result.errors] == [
        (3, "notes", "unreadable")]
    assert "longer than 131072 characters" in result.errors[0]["message"]
    assert not FinancialDocument.objects.filter(number__startswith="LONG-").exists()


def test_dates_outside_the_sane_years_are_named(orgs):
    data = csv_bytes("C-1,invoice,OLD-1,0001-01-01,2026-02-04,RON,1.00,0.00,1.00")
    result = import_documents(data, "old.csv")
    assert [(e["line"], e["field"], e["code"]) for e in result.errors] == [
        (2, "issue_date", "bad_date")]


@pytest.mark.parametrize(("text", "code"), [
    ("1e30", "too_large"), ("1000000000000", "too_large"), ("-1e13", "too_large"),
    ("NaN", "bad_amount"), ("sNaN", "bad_amount"), ("inf", "bad_amount"),
    ("-Infinity", "bad_amount"), ("abc", "bad_amount"), ("1.005", "bad_amount"),
    ("-1", "bad_amount"), ("1e-999999", "bad_amount"),
])
def test_parse_amount_refuses_with_a_reason(text, code):
    from apps.client_portal.billing.importer import parse_amount
    from apps.client_portal.core.errors import Refused

    with pytest.raises(Refused) as exc:
        parse_amount(text)
    assert exc.value.code == code and str(exc.value.message)


def test_parse_amount_takes_twelve_digits_and_two_decimals():
    from apps.client_portal.billing.importer import parse_amount

    assert parse_amount("999 999 999 999,99") == Decimal("999999999999.99")
    assert parse_amount("0E+500") == Decimal("0.00")
    assert parse_amount("1.50") == Decimal("1.50")


def test_a_file_over_the_size_limit_is_refused_unread(orgs, settings):
    settings.IMPORT_MAX_BYTES = 100
    data = csv_bytes("C-1,invoice,SIZE-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00",
                     "C-1,invoice,SIZE-2,2026-01-05,2026-02-04,RON,1.00,0.00,1.00")
    assert len(data) > 100
    result = import_documents(data, "size.csv")
    assert [(e["line"], e["code"]) for e in result.errors] == [(0, "too_large")]
    assert "larger than 100" in result.errors[0]["message"]
    assert not FinancialDocument.objects.filter(number__startswith="SIZE-").exists()


def test_the_import_form_refuses_a_large_file_before_reading_it(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.client_portal.billing.forms import ImportForm

    settings.IMPORT_MAX_BYTES = 10
    form = ImportForm({}, {"file": SimpleUploadedFile("a.csv", b"x" * 11)})
    assert not form.is_valid() and form.errors.as_data()["file"][0].code == "too_large"
    form = ImportForm({}, {"file": SimpleUploadedFile("a.txt", b"x")})
    assert not form.is_valid() and form.errors.as_data()["file"][0].code == "kind"
    assert ImportForm({}, {"file": SimpleUploadedFile("a.csv", b"x" * 10)}).is_valid()


def test_a_file_object_is_read_row_by_row_and_stays_open(orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("stream.csv", csv_bytes(
        "C-1,invoice,STREAM-1,2026-01-05,2026-02-04,RON,100.00,19.00,119.00"))
    result = import_documents(upload, upload.name)
    assert result.ok and result.created == 1 and not upload.closed
    assert import_documents(upload, upload.name).already_imported
    upload = SimpleUploadedFile("stream.xlsx", xlsx_bytes(
        ["C-2", "invoice", "STREAM-2", "2026-01-05", "2026-02-04", "PLN", 1, 0, 1]))
    assert import_documents(upload, upload.name).created == 1


def test_the_command_imports_a_file_from_disk(orgs, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "disk.csv"
    path.write_bytes(csv_bytes("C-1,invoice,DISK-1,2026-01-05,2026-02-04,RON,1.00,0.00,1.00"))
    call_command("import_documents", str(path))
    assert FinancialDocument.objects.filter(number="DISK-1").exists()


def test_the_admin_import_page_refuses_a_large_file(client, orgs, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import user

    settings.IMPORT_MAX_BYTES = 50
    client.force_login(user(is_staff=True, is_superuser=True))
    upload = SimpleUploadedFile("big.csv", csv_bytes(
        "C-1,invoice,ADM-BIG,2026-01-05,2026-02-04,RON,100.00,19.00,119.00"))
    response = client.post("/admin/billing/importbatch/import/", {"file": upload})
    assert response.status_code == 200
    assert "The file is larger than 50" in response.content.decode()
    assert not FinancialDocument.objects.filter(number="ADM-BIG").exists()
