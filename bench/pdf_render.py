"""PDF render time: our WeasyPrint renderer against pdfkit + wkhtmltopdf.

Run from the project root:  .venv/bin/python bench/pdf_render.py [runs]

Both engines get the same HTML string (the production invoice template,
billing/invoice_pdf.html, rendered for a fictional 20-line invoice) and the same
stylesheets (documents/print.css and billing/invoice.css). Runs are interleaved side by side, in
alternating order, after 2 warm-up renders per engine; medians are compared.
The last line is ``pdf_render: ratio=<wkhtmltopdf/weasyprint> target=1.00 met|short``:
a ratio of 1 or more means WeasyPrint is at least as fast.

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


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else int(os.environ.get("PDF_BENCH_RUNS", "20"))
    if not (Path(WKHTMLTOPDF).is_file() and os.access(WKHTMLTOPDF, os.X_OK)):
        found = shutil.which("wkhtmltopdf")
        print("!" * 72, file=sys.stderr)
        print(f"!! {WKHTMLTOPDF} is missing (PATH has: {found}).", file=sys.stderr)
        print(
            "!! The PDF benchmark compares against it: apt-get install wkhtmltopdf", file=sys.stderr
        )
        print("!" * 72, file=sys.stderr)
        return 2

    setup_django()
    started = time.perf_counter()
    from apps.client_portal.documents import pdf

    import_seconds = time.perf_counter() - started
    warm_up_seconds = pdf.warm_up()  # import WeasyPrint, fonts, print.css, tiny render

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

    engines = {
        "weasyprint": lambda: pdf.render_pdf(html, stylesheets=sheets),
        "wkhtmltopdf": lambda: render_wkhtmltopdf(html),
        "weasyprint-naive": weasyprint_naive,
    }
    outputs: dict[str, bytes] = {}
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

    for name, data in outputs.items():
        if not data.startswith(b"%PDF"):
            print(f"pdf_render: {name} produced no PDF", file=sys.stderr)
            return 1

    import weasyprint

    wk_version = subprocess.run(
        [WKHTMLTOPDF, "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, {wk_version}"
    )
    print(
        f"document: 20-line invoice, {len(html)} bytes of HTML, {runs} interleaved runs "
        f"after {WARM_UP_RUNS} warm-up renders per engine"
    )
    print(
        f"cold start: pdf module import {_ms(import_seconds)}, "
        f"warm_up() (WeasyPrint import + fonts + print.css + tiny render) {_ms(warm_up_seconds)}"
    )
    for name in engines:
        data = times[name]
        print(
            f"{name:17s} median {_ms(statistics.median(data))}  min {_ms(min(data))}  "
            f"max {_ms(max(data))}  {len(outputs[name])} bytes  {page_count(outputs[name])} page(s)"
        )
    weasy = statistics.median(times["weasyprint"])
    wk = statistics.median(times["wkhtmltopdf"])
    naive = statistics.median(times["weasyprint-naive"])
    print(f"reuse gain: naive/optimised = {naive / weasy:.2f}")
    ratio = wk / weasy
    verdict = "met" if round(ratio, 2) >= TARGET else "short"
    print(f"pdf_render: ratio={ratio:.2f} target={TARGET:.2f} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
