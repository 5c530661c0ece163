"""PDF render time: our renderer against a warm Chromium, side by side.

Run from the project root:  .venv/bin/python bench/pdf_render.py [runs]

Every engine gets the same HTML string (the production invoice template,
billing/invoice_pdf.html, rendered for a fictional 20-line invoice) and the same
stylesheets (documents/print.css and billing/invoice.css):

* ``ours``: ``documents.pdf.render_pdf(html, stylesheets=...)`` exactly as the
  site calls it, with the site's ``PDF_ENGINE`` (auto: Chromium where it is
  installed, WeasyPrint otherwise);
* ``chromium``: the yardstick, a warm Chromium: the Chromium engine's own render
  (documents/chromium.py: one browser, one page reused), called directly;
* for information: ``chromium-raw`` (a bare Playwright page of a second browser,
  ``set_content`` + ``page.pdf()`` of the same prepared HTML: what the engine
  adds on top), ``weasyprint`` (the fallback, ``render_pdf(engine="weasyprint")``),
  ``wkhtmltopdf`` (pdfkit's way) and ``weasyprint-naive`` (no reuse at all).

Runs are interleaved side by side, in alternating order, after 2 warm-up renders
per engine; medians are compared. Then the production statement template
(billing/statement_pdf.html) for a fictional year of 500 entries is rendered by
``ours`` (``min(runs, 10)`` runs). The verdict lines:

* ``pdf_render.statement: ratio=<2 x invoice / statement> target=1.00``: the
  500-line statement within twice the invoice's time (both ``ours``);
* ``pdf_render.wkhtmltopdf: ratio=<wkhtmltopdf / ours> target=1.00``, the
  yardstick of earlier rounds (where wkhtmltopdf is installed);
* last, ``pdf_render: ratio=<chromium / ours> target=1.00 met|short``: 1 or more
  means the site's render is at least as fast as a warm Chromium.

Without Chromium (``/usr/bin/chromium`` or CHROMIUM_PATH) there is no yardstick:
the script says so and exits 2. wkhtmltopdf is optional (information only).

It sets Django up with the project's settings (the templates and the
formats); it opens no database.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCUMENTS_DIR = ROOT / "apps" / "client_portal" / "documents"
PRINT_CSS_PATH = DOCUMENTS_DIR / "static" / "documents" / "print.css"
INVOICE_CSS_PATH = DOCUMENTS_DIR.parent / "billing" / "static" / "billing" / "invoice.css"
# Debian's package; any wkhtmltopdf on PATH otherwise.
WKHTMLTOPDF = "/usr/bin/wkhtmltopdf"
if not Path(WKHTMLTOPDF).exists():
    WKHTMLTOPDF = shutil.which("wkhtmltopdf") or WKHTMLTOPDF
TARGET = 1.00
WARM_UP_RUNS = 2

ITEMS = [
    "Managed hosting, standard plan",
    "Support hours, business tier",
    "Backup storage (per 100 GB)",
    "TLS certificate renewal",
    "On-site visit",
    "Domain registration (.example)",
    "Firewall rule review",
    "Workstation maintenance",
    "Licence: office suite seat",
    "Network switch, 24 ports",
]


def setup_django() -> None:
    """Django with the project's settings, for the templates (no database is opened)."""
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    if not apps.ready:
        django.setup()


def sample_document(n_lines: int = 20):
    """A fictional invoice with ``n_lines`` lines, as unsaved model instances."""
    setup_django()
    from apps.client_portal.billing.models import FinancialDocument, FinancialDocumentLine
    from apps.client_portal.core.models import Organization

    client = Organization(name="Contoso Bakery SRL", kind="company", country="RO",
                          registration_number="18547290", vat_number="RO18547290",
                          address="7 Mill Street", city="Sampleville", postal_code="010101",
                          client_code="C-000482")
    lines = []
    rates = [Decimal(19), Decimal(9), Decimal(5)]
    for i in range(n_lines):
        line = FinancialDocumentLine(
            position=i + 1, description=f"{ITEMS[i % len(ITEMS)]}, period 2025-{i % 12 + 1:02d}",
            quantity=Decimal(1 + (i * 7) % 5), unit="h" if i % 2 == 0 else "pcs",
            unit_price=Decimal("13.49") + Decimal(i * 37 % 113), vat_rate=rates[i % len(rates)],
        )
        line.compute()
        lines.append(line)
    net = sum((line.net for line in lines), Decimal(0))
    vat = sum((line.vat for line in lines), Decimal(0))
    doc = FinancialDocument(organization=client, kind="invoice", number="INV-2025-000123",
                            issue_date=date(2025, 6, 21), due_date=date(2025, 7, 5),
                            currency="EUR", net=net, vat=vat, total=net + vat, status="unpaid",
                            notes="Fictional sample invoice for layout checks and benchmarks.")
    return doc, lines


def invoice_html(n_lines: int = 20) -> str:
    """The production invoice template (billing/invoice_pdf.html) for a fictional invoice."""
    from django.utils import translation

    doc, lines = sample_document(n_lines)
    from apps.client_portal.billing import services

    with translation.override("en"):
        return services.render_document_html(doc, lines=lines)


def statement_html(n_lines: int = 500) -> str:
    """The production statement template (billing/statement_pdf.html) for a fictional
    year of ``n_lines`` entries in one currency: invoices, credit notes and payments,
    with their running balance, as ``services.statement`` lays them out."""
    import datetime as dt

    from django.template.loader import render_to_string
    from django.utils import translation

    doc, _lines = sample_document(1)
    from apps.client_portal.billing import services

    start, end = date(2025, 1, 1), date(2025, 12, 31)
    opening = running = Decimal("1250.00")
    entries = []
    for i in range(n_lines):
        day = start + dt.timedelta(days=i * 365 // max(n_lines, 1))
        debit = credit = Decimal("0.00")
        if i % 3 == 2:
            text = f"Payment TRX-{2025_000 + i} (Bank transfer)"
            credit = Decimal("180.00") + Decimal(i * 37 % 400)
        elif i % 17 == 16:
            text = f"Credit note CN-2025-{i:06d}"
            credit = Decimal("24.90") + Decimal(i % 50)
        else:
            text = f"Invoice INV-2025-{i:06d}"
            debit = Decimal("99.95") + Decimal(i * 53 % 700)
        running += debit - credit
        entries.append({"date": day, "text": text, "due_date": day + dt.timedelta(days=14),
                        "debit": debit, "credit": credit, "balance": running})
    currencies = [{
        "currency": "EUR", "opening": opening, "entries": entries,
        "debits": sum((e["debit"] for e in entries), Decimal(0)),
        "credits": sum((e["credit"] for e in entries), Decimal(0)), "closing": running,
    }]
    with translation.override("en"):
        return render_to_string(services.STATEMENT_TEMPLATE, {
            "organization": doc.organization, "client": services.client_context(doc.organization),
            "provider": services.provider_context(), "start": start, "end": end,
            "currencies": currencies, "generated_at": dt.datetime(2026, 1, 2, 9, 30),
        })


def invoice_stylesheets() -> list[str]:
    """The stylesheets the invoice is rendered with, as static names."""
    from apps.client_portal.billing import services

    return [services.INVOICE_CSS]


def render_wkhtmltopdf(html: str) -> bytes:
    """What ``pdfkit.from_string(html, False, options={"user-style-sheet": css})`` runs.

    pdfkit is only a wrapper that builds ``wkhtmltopdf --quiet [options] - -``,
    writes the HTML to stdin and reads the PDF from stdout; calling the binary the
    same way measures the same thing without making pdfkit a dependency.
    """
    import tempfile

    # wkhtmltopdf takes one user stylesheet: the two the invoice uses, in order.
    with tempfile.NamedTemporaryFile("w", suffix=".css", encoding="utf-8") as css:
        css.write(PRINT_CSS_PATH.read_text(encoding="utf-8"))
        css.write(INVOICE_CSS_PATH.read_text(encoding="utf-8"))
        css.flush()
        completed = subprocess.run(
            [WKHTMLTOPDF, "--quiet", "--user-style-sheet", css.name, "-", "-"],
            input=html.encode("utf-8"), capture_output=True, check=True,
        )
    return completed.stdout


def page_count(pdf: bytes) -> int:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class RawChromium:
    """A bare Playwright page in a browser of its own: ``set_content`` + ``page.pdf()``.

    For information only: what the engine adds on top (its thread, route
    interception, the checks). It gets the engine's prepared HTML (the same
    stylesheets and the same hidden screen), so that both do the same work in
    Chromium. Playwright's sync API runs on the main thread here; the engine's
    browser lives on its own thread.
    """

    def __init__(self, executable: str, sheets: list[str]) -> None:
        from playwright.sync_api import sync_playwright

        from apps.client_portal.documents import chromium, pdf

        self.names = [pdf.PRINT_CSS, *sheets]
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=executable, args=chromium.CHROMIUM_ARGS)
        self.page = self.browser.new_page(java_script_enabled=False)

    def render(self, html: str) -> bytes:
        from apps.client_portal.documents import chromium

        self.page.set_content(chromium._prepared(html, self.names), wait_until="commit")
        return self.page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                             margin=chromium.DEFAULT_MARGIN)

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()


def _median(data: list[float]) -> float:
    return statistics.median(data)


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else int(os.environ.get("PDF_BENCH_RUNS", "20"))
    setup_django()
    started = time.perf_counter()
    from apps.client_portal.documents import chromium, pdf

    import_seconds = time.perf_counter() - started
    executable = chromium.executable_path()
    if executable is None:
        print("!" * 72, file=sys.stderr)
        print(f"!! No Chromium at {chromium.DEFAULT_EXECUTABLE} (or CHROMIUM_PATH): the PDF "
              "benchmark's yardstick is a warm Chromium.", file=sys.stderr)
        print("!! apt-get install chromium", file=sys.stderr)
        print("!" * 72, file=sys.stderr)
        return 2
    has_wkhtmltopdf = Path(WKHTMLTOPDF).is_file() and os.access(WKHTMLTOPDF, os.X_OK)
    if not has_wkhtmltopdf:
        print(f"note: {WKHTMLTOPDF} is missing: no wkhtmltopdf line (apt-get install "
              "wkhtmltopdf)", file=sys.stderr)

    ours_engine = pdf.engine_setting()
    warm_up_seconds = pdf.warm_up()  # the site's engine: Chromium's start, or WeasyPrint's
    ours_resolved = pdf.active_engine()
    engine = chromium.get_engine()
    engine_start = engine.start()  # 0.0 when warm_up() already started it
    weasy_started = time.perf_counter()
    pdf.warm_up(force=True, engine="weasyprint")
    weasy_warm_up = time.perf_counter() - weasy_started
    raw_started = time.perf_counter()
    raw = RawChromium(executable, invoice_stylesheets())
    raw_start = time.perf_counter() - raw_started

    html = invoice_html(20)
    sheets = invoice_stylesheets()

    def weasyprint_naive() -> bytes:
        # No reuse at all: what a straightforward HTML(string=...).write_pdf() costs,
        # with a fresh FontConfiguration and print.css parsed every time.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = [weasyprint.CSS(filename=str(path), font_config=font_config)
               for path in (PRINT_CSS_PATH, INVOICE_CSS_PATH)]
        return weasyprint.HTML(string=html, url_fetcher=pdf.make_url_fetcher()).write_pdf(
            stylesheets=css, font_config=font_config
        )

    chromium_names = [pdf.PRINT_CSS, *sheets]
    engines = {
        "ours": lambda: pdf.render_pdf(html, stylesheets=sheets),
        "chromium": lambda: engine.render(html, stylesheets=chromium_names),
        "chromium-raw": lambda: raw.render(html),
        "weasyprint": lambda: pdf.render_pdf(html, stylesheets=sheets, engine="weasyprint"),
        "wkhtmltopdf": lambda: render_wkhtmltopdf(html),
        "weasyprint-naive": weasyprint_naive,
    }
    if not has_wkhtmltopdf:
        del engines["wkhtmltopdf"]
    outputs: dict[str, bytes] = {}
    try:
        for name, render in engines.items():
            for _ in range(WARM_UP_RUNS):
                outputs[name] = render()
        times: dict[str, list[float]] = {name: [] for name in engines}
        order = list(engines)
        for i in range(runs):
            for name in order if i % 2 == 0 else reversed(order):
                t0 = time.perf_counter()
                outputs[name] = engines[name]()
                times[name].append(time.perf_counter() - t0)

        statement = statement_html(500)
        statement_runs = max(1, min(runs, 10))
        statement_times = []
        statement_pdf = pdf.render_pdf(statement, stylesheets=sheets)  # warm-up
        for _ in range(statement_runs):
            t0 = time.perf_counter()
            statement_pdf = pdf.render_pdf(statement, stylesheets=sheets)
            statement_times.append(time.perf_counter() - t0)
    finally:
        raw.close()

    for name, data in outputs.items():
        if not data.startswith(b"%PDF"):
            print(f"pdf_render: {name} produced no PDF", file=sys.stderr)
            return 1

    import weasyprint

    wk_version = (
        subprocess.run([WKHTMLTOPDF, "--version"], capture_output=True, text=True).stdout.strip()
        if has_wkhtmltopdf else "no wkhtmltopdf"
    )
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, Chromium {engine.version}, "
        f"WeasyPrint {weasyprint.__version__}, {wk_version}"
    )
    print(f"ours: PDF_ENGINE={ours_engine} -> {ours_resolved}")
    print(
        f"document: 20-line invoice, {len(html)} bytes of HTML, {runs} interleaved runs "
        f"after {WARM_UP_RUNS} warm-up renders per engine"
    )
    print(
        f"cold start: pdf module import {_ms(import_seconds)}, warm_up() {_ms(warm_up_seconds)} "
        f"(Chromium start {_ms(engine_start)} more), WeasyPrint warm-up {_ms(weasy_warm_up)}, "
        f"second browser for chromium-raw {_ms(raw_start)}"
    )
    for name in engines:
        data = times[name]
        print(
            f"{name:17s} median {_ms(_median(data))}  min {_ms(min(data))}  "
            f"max {_ms(max(data))}  {len(outputs[name])} bytes  {page_count(outputs[name])} page(s)"
        )
    ours = _median(times["ours"])
    chromium_time = _median(times["chromium"])
    weasy = _median(times["weasyprint"])
    naive = _median(times["weasyprint-naive"])
    if has_wkhtmltopdf:
        wk = _median(times["wkhtmltopdf"])
        print(f"for information: wkhtmltopdf / weasyprint = {wk / weasy:.2f}, "
              f"wkhtmltopdf / ours = {wk / ours:.2f}")
    print(f"for information: chromium / weasyprint = {chromium_time / weasy:.2f}; "
          f"reuse gain of weasyprint: naive / optimised = {naive / weasy:.2f}")
    statement_time = _median(statement_times)
    print(
        f"statement: 500 entries, {len(statement)} bytes of HTML, {page_count(statement_pdf)} "
        f"page(s), ours median {_ms(statement_time)} over {statement_runs} runs "
        f"(min {_ms(min(statement_times))}) = {statement_time / ours:.2f} x the invoice"
    )
    statement_ratio = 2 * ours / statement_time
    verdict = "met" if round(statement_ratio, 2) >= TARGET else "short"
    print(f"pdf_render.statement: ratio={statement_ratio:.2f} target={TARGET:.2f} {verdict}")
    if has_wkhtmltopdf:  # the yardstick of earlier rounds, kept
        wk_ratio = _median(times["wkhtmltopdf"]) / ours
        verdict = "met" if round(wk_ratio, 2) >= TARGET else "short"
        print(f"pdf_render.wkhtmltopdf: ratio={wk_ratio:.2f} target={TARGET:.2f} {verdict}")
    ratio = chromium_time / ours
    verdict = "met" if round(ratio, 2) >= TARGET else "short"
    print(f"pdf_render: ratio={ratio:.2f} target={TARGET:.2f} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
