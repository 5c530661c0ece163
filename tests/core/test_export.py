"""Exports: what a client types never becomes a live spreadsheet formula (OWASP CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from apps.client_portal.core.export import neutralize
from apps.client_portal.core.models import Feedback

pytestmark = pytest.mark.django_db

HOSTILE = ["=HYPERLINK(\"http://198.51.100.1/x\",\"click\")", "+1+2", "-2+3", "@SUM(A1)",
           "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_would_start_a_formula_gets_a_leading_apostrophe(text):
    assert neutralize(text) == "'" + text
    assert neutralize("Plain subject") == "Plain subject"


def _hostile_feedback(demo):
    org = demo.organizations["northwind"]
    for index, text in enumerate(HOSTILE):
        Feedback.objects.create(organization=org, author=demo.users["member"], kind="wish",
                                subject=text, body=f"row {index}")


def test_csv_export_writes_formulas_as_text(demo, login):
    _hostile_feedback(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/p/feedback/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    subjects = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    for hostile in HOSTILE:
        assert "'" + hostile in subjects
        assert hostile not in subjects


def test_xlsx_export_writes_formulas_as_text_and_figures_as_figures(demo, login):
    _hostile_feedback(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    sheet = load_workbook(io.BytesIO(client.get("/p/feedback/export.xlsx").content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    for cell in cells:
        assert cell.data_type != "f", cell.value  # never a formula
    assert {"'" + h for h in HOSTILE} <= {c.value for c in cells}
    invoices = load_workbook(io.BytesIO(client.get("/p/invoices/export.xlsx").content)).active
    header = [c.value for c in next(invoices.iter_rows(max_row=1))]
    total = header.index("Total")
    assert all(isinstance(row[total].value, (int, float))
               for row in invoices.iter_rows(min_row=2))  # amounts stay numbers
