"""WeasyPrint and Chromium give the same pages; what the Chromium engine promises.

The same pages: the production invoice (bench/pdf_render.py's sample, as
test_pdf.py renders it) and a statement, rendered by both engines, have the
same page count and, page by page, the same text (pdftotext, whitespace
normalized), footer and "Page X of Y" included; the same fonts, page size and
margins. The Chromium engine: no network at all, static files from disk, no
JavaScript, a timeout, a restart after a crash and after a fork, renders from
several threads.

Needs Debian's chromium and poppler-utils; without them the whole module is
skipped, saying so. No database.
"""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from apps.client_portal.documents import chromium, pdf
from bench import pdf_render as bench  # the benchmark's fictional invoice

if chromium.executable_path() is None:
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium or CHROMIUM_PATH): apt-get install "
        "chromium to compare the PDF engines and test the Chromium engine",
        allow_module_level=True,
    )
if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
    pytest.skip("pdftotext/pdffonts are missing: apt-get install poppler-utils",
                allow_module_level=True)

SHEETS = ["billing/invoice.css"]




def page_count(data: bytes) -> int:
    return int(PdfFileReader(BytesIO(data)).root["/Pages"]["/Count"])


def producer(data: bytes) -> str:
    """Who made the PDF: "WeasyPrint 70.0" or "Skia/PDF m156" (Chromium)."""
    return str(PdfFileReader(BytesIO(data)).trailer["/Info"]["/Producer"])


def page_texts(data: bytes) -> list[str]:
    """Each page's text (pdftotext -layout), whitespace collapsed."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [" ".join(page.split()) for page in pages]


def fonts(data: bytes) -> set[str]:
    """Embedded font names without the subset tag or hyphens (DejaVuSansBold)."""
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    names = set()
    for line in out.splitlines()[2:]:
        name = line.split()[0]
        names.add(name.split("+", 1)[-1].replace("-", ""))
    return names


def word_boxes(data: bytes, word: str) -> list[tuple[float, float]]:
    """(x, y) of the top-left corner of every occurrence of ``word``."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return [(float(x), float(y)) for x, y in
            re.findall(rf'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>{re.escape(word)}</word>',
                       out)]


def gone(pid: int, wait: float = 5.0) -> bool:
    """Whether process ``pid`` has ended (a zombie counts), waiting up to ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def render_both(html: str) -> tuple[bytes, bytes]:
    weasy = pdf.render_pdf(html, stylesheets=SHEETS, engine="weasyprint")
    chrome = pdf.render_pdf(html, stylesheets=SHEETS, engine="chromium")
    assert producer(weasy).startswith("WeasyPrint")
    assert producer(chrome).startswith("Skia/PDF")
    return weasy, chrome


# The running footer's two lines (settings.PROVIDER_LEGAL's defaults).
FOOTER = ("Example Energy & Services Ltd · Str. Exemplului 1, 010011 Bucharest, Romania",
          "VAT number RO00000000 · www.example.com")


@pytest.mark.parametrize(("lines", "pages"), [(20, 1), (45, 2)])
def test_both_engines_give_the_same_invoice_pages(lines, pages):
    weasy, chrome = render_both(bench.invoice_html(lines))
    assert page_count(weasy) == page_count(chrome) == pages
    weasy_pages, chrome_pages = page_texts(weasy), page_texts(chrome)
    assert len(weasy_pages) == len(chrome_pages) == pages
    for number, (w, c) in enumerate(zip(weasy_pages, chrome_pages, strict=True), start=1):
        assert w == c, f"page {number} differs"
        # The running footer and "Page X of Y" (@page margin boxes) on every page.
        assert f"Page {number} of {pages}" in c
        assert all(line in c for line in FOOTER)
    # Every line on some page, the totals on the last.
    assert f"{lines} {bench.ITEMS[(lines - 1) % len(bench.ITEMS)]}" in " ".join(chrome_pages)
    assert "Amount due" in chrome_pages[-1]


def test_both_engines_give_the_same_statement_pages():
    weasy, chrome = render_both(bench.statement_html(120))
    assert page_count(weasy) == page_count(chrome) >= 3
    weasy_pages, chrome_pages = page_texts(weasy), page_texts(chrome)
    assert weasy_pages == chrome_pages
    total = len(chrome_pages)
    for number, page in enumerate(chrome_pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Date Document or payment Debit Credit Balance" in page  # header repeated
    assert "Closing balance" in chrome_pages[-1]


def test_same_fonts_page_size_and_margins():
    weasy, chrome = render_both(bench.invoice_html(20))
    assert fonts(weasy) == fonts(chrome) == {"DejaVuSans", "DejaVuSansBold"}
    for data in (weasy, chrome):
        box = PdfFileReader(BytesIO(data)).root["/Pages"]["/Kids"][0].get_object()["/MediaBox"]
        width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1  # A4
    # The heading at the top-left corner of the page area (16 mm = 45.35 pt in,
    # 18 mm down), the page number in the bottom margin: the same in both, to a
    # point (Chromium rounds the margins to whole CSS pixels).
    for word in ("Invoice", "Page", "Contoso", "Total"):
        (wx, wy), (cx, cy) = word_boxes(weasy, word)[0], word_boxes(chrome, word)[0]
        assert abs(wx - cx) < 1.5 and abs(wy - cy) < 2, word
    assert abs(word_boxes(chrome, "Invoice")[0][0] - 45.35) < 1
    assert word_boxes(chrome, "Page")[0][1] > 841.89 - 20 * 72 / 25.4  # in the bottom margin


def test_page_numbers_and_footer_are_translated():
    from django.utils import translation

    from apps.client_portal.billing import services

    doc, lines = bench.sample_document(3)
    with translation.override("pl"):
        html = services.render_document_html(doc, lines=lines)
    weasy, chrome = render_both(html)
    assert page_texts(weasy) == page_texts(chrome)
    text = page_texts(chrome)[0]
    assert "Strona 1 z 1" in text
    assert "Page 1 of 1" not in text


def test_the_site_renders_with_chromium_where_it_is_installed(settings):
    settings.PDF_ENGINE = "auto"
    assert pdf.active_engine() == "chromium"
    assert producer(pdf.render_pdf(bench.invoice_html(3), stylesheets=SHEETS)).startswith(
        "Skia/PDF")
    settings.PDF_ENGINE = "weasyprint"
    assert pdf.active_engine() == "weasyprint"
    assert producer(pdf.render_pdf(bench.invoice_html(3), stylesheets=SHEETS)).startswith(
        "WeasyPrint")


@pytest.fixture
def listener():
    """A TCP server on loopback that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except OSError:
                continue
            connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(2)
    server.close()


def test_chromium_touches_no_network(listener):
    port, connections = listener
    here = f"127.0.0.1:{port}"
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
    <link rel="stylesheet" href="http://{here}/a.css">
    <link rel="preconnect" href="http://{here}">
    <link rel="dns-prefetch" href="//pdf-test.example.com">
    <link rel="prefetch" href="http://{here}/prefetch">
    <link rel="icon" href="http://{here}/favicon.ico">
    <meta http-equiv="refresh" content="0;url=http://{here}/refresh">
    <style>@import url(http://{here}/import.css);
      body {{ background: url(http://{here}/bg.png); }}
      @font-face {{ font-family: X; src: url(https://pdf-test.example.com/x.woff); }}
      h1 {{ font-family: X, sans-serif; }}</style>
    </head><body><h1>INV-REMOTE-1</h1>
    <img src="http://{here}/img.png"><img srcset="http://{here}/2x.png 2x">
    <img src="https://pdf-test.example.com/logo.png"><img src="file:///etc/passwd">
    <iframe src="http://{here}/frame"></iframe><object data="http://{here}/obj"></object>
    <embed src="http://{here}/embed"><video poster="http://{here}/poster"></video>
    <svg><image href="http://{here}/svg.png" width="10" height="10"/></svg>
    </body></html>"""
    data = pdf.render_pdf(html, engine="chromium")
    engine = chromium.get_engine()
    refused = list(engine.refused)
    time.sleep(0.5)  # a late preconnect or refresh would show by now
    assert connections == []
    assert page_count(data) == 1
    assert "INV-REMOTE-1" in page_texts(data)[0]
    assert "root:" not in page_texts(data)[0]
    for url in (f"http://{here}/a.css", f"http://{here}/img.png", f"http://{here}/bg.png",
                "https://pdf-test.example.com/logo.png"):
        assert url in refused
    # The meta refresh did not take the page away: the next render is whole.
    again = pdf.render_pdf("<p>After the refresh</p>", engine="chromium")
    assert "After the refresh" in page_texts(again)[0]
    assert connections == []


def test_chromium_serves_static_files_from_disk():
    # Without print_css, "Page 1 of 1" can only come from print.css, fetched by URL.
    for href in ("/static/documents/print.css", "static:documents/print.css"):
        html = f"""<!DOCTYPE html><html><head><link rel="stylesheet" href="{href}"></head>
        <body><p>Static check</p></body></html>"""
        data = pdf.render_pdf(html, print_css=False, engine="chromium")
        assert chromium.get_engine().refused == []
        assert "Page 1 of 1" in page_texts(data)[0], href
    # Out of the static directories: refused.
    assert chromium._local_file("static:../../../../../../etc/passwd") is None
    assert chromium._local_file(chromium.ORIGIN + "/static/../../etc/passwd") is None
    assert chromium._local_file(chromium.ORIGIN + "/etc/passwd") is None


def test_chromium_runs_no_javascript():
    html = """<!DOCTYPE html><html><body><p id="x">Printed as written</p>
    <script>document.getElementById("x").textContent = "JAVASCRIPT RAN";</script>
    <noscript><p>No script here</p></noscript></body></html>"""
    text = page_texts(pdf.render_pdf(html, engine="chromium"))[0]
    assert "Printed as written" in text
    assert "JAVASCRIPT RAN" not in text


@pytest.fixture
def own_engine():
    engine = chromium.ChromiumEngine()
    yield engine
    engine.close()


def test_a_render_over_its_timeout_is_stopped_and_the_next_one_starts_afresh(own_engine):
    engine = own_engine
    engine.start()
    first_browser = engine.browser_pid
    # A worker stuck longer than the timeout: the caller gives up, kills the browser.
    with pytest.raises(chromium.PdfRenderTimeout):
        engine._submit(lambda: time.sleep(1.5), timeout=0.3, what="a stuck render")
    with pytest.raises(chromium.PdfRenderTimeout):
        engine.render("<p>x</p>" * 20000, timeout=0.001)
    data = engine.render("<p>Back again</p>", stylesheets=["documents/print.css"])
    assert "Back again" in page_texts(data)[0]
    assert engine.launches >= 2
    assert engine.browser_pid != first_browser
    assert gone(first_browser)


def test_a_crashed_browser_is_started_again(own_engine):
    engine = own_engine
    engine.render("<p>One</p>")
    os.kill(engine.browser_pid, signal.SIGKILL)
    time.sleep(0.3)
    data = engine.render("<p>Two</p>")
    assert "Two" in page_texts(data)[0]
    assert engine.launches == 2


def test_a_forked_child_starts_its_own_browser():
    parent_engine = chromium.get_engine()
    parent_engine.start()
    parent_browser = parent_engine.browser_pid
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            data = pdf.render_pdf("<p>From the child</p>", engine="chromium")
            engine = chromium.get_engine()
            ok = "From the child" in page_texts(data)[0]
            os.write(write_end, f"{ok} {engine.pid} {engine.browser_pid}".encode())
            chromium.shut_down()
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 60)
        answer = os.read(read_end, 200).decode() if ready else ""
    finally:
        os.close(read_end)
        if not answer:
            os.kill(child, signal.SIGKILL)
        _, status = os.waitpid(child, 0)
    ok, child_engine_pid, child_browser = answer.split()
    assert ok == "True"
    assert int(child_engine_pid) == child
    assert int(child_browser) != parent_browser
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's browser was left alone.
    assert chromium.get_engine() is parent_engine
    assert parent_engine.browser_pid == parent_browser
    assert "Parent" in page_texts(pdf.render_pdf("<p>Parent</p>", engine="chromium"))[0]


def test_renders_from_several_threads():
    results: dict[int, bytes] = {}
    errors = []

    def render(i):
        try:
            results[i] = pdf.render_pdf(f"<h1>Thread {i}</h1>", engine="chromium")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for i in range(4):
        assert f"Thread {i}" in page_texts(results[i])[0]


def test_footer_text_with_css_and_html_specials_prints_as_written(settings):
    from apps.client_portal.billing import services

    name = 'Smith & Sons "Ltd" </style>'
    settings.PROVIDER_LEGAL = {**settings.PROVIDER_LEGAL, "name": name}
    doc, lines = bench.sample_document(2)
    weasy, chrome = render_both(services.render_document_html(doc, lines=lines))
    assert page_texts(weasy) == page_texts(chrome)
    assert f"{name} · Str. Exemplului 1" in page_texts(chrome)[0]


def test_an_idle_browser_is_closed_and_started_again_when_needed():
    engine = chromium.ChromiumEngine(idle=0.5)
    try:
        engine.render("<p>Before</p>")
        browser = engine.browser_pid
        deadline = time.monotonic() + 10
        while engine.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not engine.started
        assert gone(browser)
        assert "After" in page_texts(engine.render("<p>After</p>"))[0]
        assert engine.launches == 2
    finally:
        engine.close()
