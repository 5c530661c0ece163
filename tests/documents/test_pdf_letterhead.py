"""The letterhead in both PDF engines: the provider's name is never cut off, unit prices
follow the page's rule, and the HTML print preview has its buttons and its footer last."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from apps.client_portal.billing import services
from apps.client_portal.documents import pdf
from tests.billing.helpers import published

pytestmark = pytest.mark.django_db

if shutil.which("pdftotext") is None:
    pytest.skip("pdftotext is missing: apt-get install poppler-utils", allow_module_level=True)

A4_WIDTH_PT = 595.3


def words(data: bytes) -> list[tuple[str, float, float]]:
    """(word, xMin, xMax) of every word on the first page."""
    out = subprocess.run(["pdftotext", "-l", "1", "-bbox", "-", "-"], input=data,
                         capture_output=True, check=True).stdout.decode()
    return [(w, float(x0), float(x1)) for x0, x1, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">'
                       r"([^<]*)</word>", out)]


@pytest.fixture
def invoice(demo):
    from decimal import Decimal

    return published(demo.organizations["northwind"], number="LH-0001", lines=[
        {"description": "Delivery", "quantity": Decimal("2"), "unit": "trip",
         "unit_price": Decimal("49.9900"), "vat_rate": Decimal("19")},
        {"description": "Equipment rental", "quantity": Decimal("1"), "unit": "pcs",
         "unit_price": Decimal("120"), "vat_rate": Decimal("19")},
        {"description": "Electricity", "quantity": Decimal("250"), "unit": "kWh",
         "unit_price": Decimal("0.8125"), "vat_rate": Decimal("19")},
        {"description": "Project", "quantity": Decimal("1"), "unit": "pc",
         "unit_price": Decimal("12345.5"), "vat_rate": Decimal("19")},
    ])


@pytest.mark.parametrize("engine", ["weasyprint", "chromium"])
def test_a_long_provider_name_is_printed_whole_in_the_left_half(settings, invoice, engine):
    settings.PROVIDER_LEGAL = {**settings.PROVIDER_LEGAL,
                               "short_name": "Northernmost Provisioning Cooperative"}
    if engine == "chromium" and pdf.active_engine("chromium") != "chromium":
        pytest.skip("Chromium is not installed")
    data = pdf.render_pdf(services.render_document_html(invoice),
                          stylesheets=[services.INVOICE_CSS], engine=engine)
    found = words(data)
    texts = [w for w, _x0, _x1 in found]
    for word in ("Northernmost", "Provisioning", "Cooperative"):
        assert word in texts, (engine, word)
        _w, x0, x1 = next(item for item in found if item[0] == word)
        assert x0 > 0 and x1 < A4_WIDTH_PT / 2, (engine, word, x0, x1)
    # Unit prices: two places, more only when needed; grouped like the amounts.
    assert {"49.99", "120.00", "0.8125", "12,345.50"} <= set(texts)
    assert "49.9900" not in texts and "120" not in texts


def test_the_print_preview_has_back_print_and_download_and_its_footer_last(demo, invoice,
                                                                           login):
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    url = reverse("billing:preview", args=[invoice.uuid])
    body = client.get(url).content.decode()
    assert f'href="{invoice.get_absolute_url()}" data-testid="preview-back"' in body
    assert 'data-testid="preview-print"' in body and "documents/preview.js" in body
    assert 'data-testid="preview-download"' not in body  # this one has no PDF yet

    services.attach_pdf(invoice)
    body = client.get(url).content.decode()
    download = reverse("portal:download", args=["invoices", invoice.uuid, "pdf"])
    assert f'href="{download}" data-testid="preview-download"' in body
    assert client.get(download).status_code == 200
    # The footer comes after the document, not above it.
    assert body.index('class="doc-footer"') > body.index('class="totals"')
    assert body.index('class="preview-bar"') < body.index('class="head"')
    assert "49.99" in body and "49.9900" not in body
