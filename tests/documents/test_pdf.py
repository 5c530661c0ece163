"""The PDF renderer: valid PDFs, page count, text, and no network fetches.

Plain pytest functions: nothing here needs a database. The invoice is the
production template (billing/invoice_pdf.html) as bench/pdf_render.py renders
it, so the benchmark and these tests render the same document. Tests taking
``engine`` run with WeasyPrint and with Chromium (skipped, saying why, where
/usr/bin/chromium is missing); the URL fetcher's tests are WeasyPrint's. The
comparison of the two engines' pages is in test_pdf_engines.py.
"""

import re
import shutil
import socket
import subprocess
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from apps.client_portal.documents import pdf
from bench import pdf_render as bench  # the benchmark's fictional invoice

REMOTE_IMAGE = "http://198.51.100.1/x.png"  # TEST-NET-2: never routable




SHEETS = ["billing/invoice.css"]


@pytest.fixture(params=["weasyprint", "chromium"])
def engine(request):
    if request.param == "chromium":
        from apps.client_portal.documents import chromium

        if chromium.executable_path() is None:
            pytest.skip("Chromium is not installed (/usr/bin/chromium or CHROMIUM_PATH): "
                        "apt-get install chromium to test the Chromium PDF engine")
    return request.param


@pytest.fixture(scope="module")
def invoice_html():
    return bench.invoice_html(20)


@pytest.fixture
def no_network(monkeypatch):
    """Fail loudly if anything opens a socket connection during the test."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def page_count(data: bytes) -> int:
    return int(PdfFileReader(BytesIO(data)).root["/Pages"]["/Count"])


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_twenty_line_invoice_is_a_one_page_pdf(invoice_html, engine, no_network):
    # A4, 8pt line items in a fixed-layout table: 20 lines, the totals and the
    # payment note fit on the first page (21 do; 22 take two pages).
    data = pdf.render_pdf(invoice_html, stylesheets=SHEETS, engine=engine)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert page_count(data) == 1


def test_short_invoice_fits_one_page(engine):
    data = pdf.render_pdf(bench.invoice_html(3), stylesheets=SHEETS, engine=engine)
    assert page_count(data) == 1


def test_invoice_text_is_extractable(engine, tmp_path):
    data = pdf.render_pdf(bench.invoice_html(45), stylesheets=SHEETS, engine=engine)
    assert page_count(data) == 2
    text = pdf_text(data, tmp_path)
    assert "INV-2025-000123" in text
    assert "Contoso Bakery SRL" in text
    doc, _lines = bench.sample_document(45)
    whole, cents = f"{doc.total:.2f}".split(".")
    figure = r"\D?".join([whole[:-3], whole[-3:]]) if len(whole) > 3 else whole
    assert re.search(rf"Amount due\s+{figure}\D{cents} EUR", text)  # any number format
    # "Page X of Y" and the running footer from the @page margin boxes, on every page.
    assert "Page 1 of 2" in text
    assert "Page 2 of 2" in text
    assert text.count("VAT number RO00000000 · www.example.com") == 2


def test_remote_urls_are_refused_and_render_still_succeeds(tmp_path, no_network):
    html = f"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="https://198.51.100.1/evil.css">
    <style>body {{ background: url(http://198.51.100.1/bg.png); }}</style>
    </head><body>
    <p>Invoice INV-REMOTE-1</p>
    <img src="{REMOTE_IMAGE}">
    <img src="ftp://198.51.100.1/y.png">
    <img src="file:///etc/passwd">
    </body></html>"""
    fetcher = pdf.make_url_fetcher()
    data = pdf.render_pdf(html, url_fetcher=fetcher)
    assert data.startswith(b"%PDF-")
    assert page_count(data) == 1
    assert REMOTE_IMAGE in fetcher.refused
    assert "https://198.51.100.1/evil.css" in fetcher.refused
    assert "http://198.51.100.1/bg.png" in fetcher.refused
    assert "ftp://198.51.100.1/y.png" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert len(fetcher.refused) == 5
    assert no_network == []
    assert "INV-REMOTE-1" in pdf_text(data, tmp_path)


def test_fetcher_refuses_directly():
    fetcher = pdf.make_url_fetcher()
    for url in (REMOTE_IMAGE, "https://example.com/", "file:///etc/passwd", "gopher://x/"):
        with pytest.raises(pdf.PdfResourceRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


def test_static_urls_are_served_from_disk(tmp_path, no_network):
    # print.css is not applied automatically here: it can only arrive through
    # the static: link, and its @page box prints the page number.
    html = """<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="static:documents/print.css"></head>
    <body><p>Static check</p></body></html>"""
    fetcher = pdf.make_url_fetcher()
    data = pdf.render_pdf(html, print_css=False, url_fetcher=fetcher)
    assert fetcher.refused == []
    assert "Page 1 of 1" in pdf_text(data, tmp_path)
    # Path traversal out of the static directories is refused.
    with pytest.raises(pdf.PdfResourceRefused):
        fetcher.fetch("static:../../../../../../etc/passwd")
    assert pdf.find_static("documents/print.css") is not None


def test_rendering_twice_gives_valid_pdfs(invoice_html, engine):
    first = pdf.render_pdf(invoice_html, stylesheets=SHEETS, engine=engine)
    second = pdf.render_pdf(invoice_html, stylesheets=SHEETS, engine=engine)
    for data in (first, second):
        assert data.startswith(b"%PDF-")
        assert page_count(data) == 1
    assert abs(len(first) - len(second)) < 200  # only the IDs and dates differ


def test_render_template_to_pdf(tmp_path):
    doc, lines = bench.sample_document(20)
    from apps.client_portal.billing import services

    data = pdf.render_template_to_pdf(
        services.INVOICE_TEMPLATE, services.document_context(doc, lines=lines),
        stylesheets=SHEETS)
    assert page_count(data) == 1
    assert "INV-2025-000123" in pdf_text(data, tmp_path)


def test_warm_up_runs_once():
    pdf.warm_up()
    assert pdf.warm_up() == 0.0
    assert pdf.warm_up(force=True) > 0.0
