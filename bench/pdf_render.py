"""PDF render time: our WeasyPrint renderer against pdfkit + wkhtmltopdf.

Run from the project root:  .venv/bin/python bench/pdf_render.py [runs]

Both engines get the same HTML string (the 20-line reference invoice,
documents/sample_invoice.html rendered with fictional data) and the same shared
stylesheet (documents/print.css). Runs are interleaved side by side, in
alternating order, after 2 warm-up renders per engine; medians are compared.
The last line is ``pdf_render: ratio=<wkhtmltopdf/weasyprint> target=1.00 met|short``:
a ratio of 1 or more means WeasyPrint is at least as fast.

This script needs no Django project settings: it configures a minimal template
engine itself when settings are not configured.
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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCUMENTS_DIR = ROOT / "apps" / "client_portal" / "documents"
TEMPLATES_DIR = DOCUMENTS_DIR / "templates"
PRINT_CSS_PATH = DOCUMENTS_DIR / "static" / "documents" / "print.css"
# Debian's package; any wkhtmltopdf on PATH otherwise.
WKHTMLTOPDF = "/usr/bin/wkhtmltopdf"
if not Path(WKHTMLTOPDF).exists():
    WKHTMLTOPDF = shutil.which("wkhtmltopdf") or WKHTMLTOPDF
TARGET = 1.00
WARM_UP_RUNS = 2
CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def sample_invoice_context(n_lines: int = 20) -> dict:
    """Fictional provider, client and invoice lines for the reference invoice."""
    items = [
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
    rates = [Decimal(20), Decimal(9), Decimal(5)]
    lines, by_rate = [], {}
    for i in range(n_lines):
        quantity = Decimal(1 + (i * 7) % 5)
        unit_price = _money(Decimal("13.49") + Decimal(i * 37 % 113))
        rate = rates[i % len(rates)]
        net = _money(quantity * unit_price)
        vat = _money(net * rate / 100)
        lines.append(
            {
                "description": f"{items[i % len(items)]}, period 2025-{i % 12 + 1:02d}",
                "quantity": quantity,
                "unit": "h" if i % 2 == 0 else "pcs",
                "unit_price": unit_price,
                "vat_rate": rate,
                "net": net,
                "vat": vat,
                "gross": net + vat,
            }
        )
        base, tax = by_rate.get(rate, (Decimal(0), Decimal(0)))
        by_rate[rate] = (base + net, tax + vat)
    total_net = sum((line["net"] for line in lines), Decimal(0))
    total_vat = sum((line["vat"] for line in lines), Decimal(0))
    return {
        "language_code": "en",
        "provider": {
            "name": "Northwind Utilities Ltd",
            "short_name": "Northwind",
            "address_line": "12 Harbour Road",
            "city_line": "Exampletown EX1 2AB",
            "vat_number": "XX123456789",
            "company_number": "01234567",
            "email": "billing@example.com",
            "website": "www.example.com",
            "bank_name": "Example Bank plc",
            "iban": "XX00 EXAM 0000 1234 5678 90",
            "bic": "EXAMXX22",
        },
        "client": {
            "name": "Contoso Bakery SRL",
            "address_line": "7 Mill Street",
            "city_line": "Sampleville 010101",
            "vat_number": "XX987654321",
            "number": "C-000482",
        },
        "invoice": {
            "number": "INV-2025-000123",
            "issue_date": date(2025, 6, 21).isoformat(),
            "supply_date": date(2025, 6, 20).isoformat(),
            "due_date": date(2025, 7, 5).isoformat(),
            "currency": "EUR",
            "reference": "PO-7781",
            "notes": "Fictional sample invoice for layout checks and benchmarks.",
        },
        "lines": lines,
        "totals": {
            "net": total_net,
            "gross": total_net + total_vat,
            "vat_by_rate": [
                {"rate": rate, "base": base, "vat": tax}
                for rate, (base, tax) in sorted(by_rate.items())
            ],
        },
    }


def sample_invoice_html(n_lines: int = 20) -> str:
    """The reference invoice as an HTML string, rendered by Django's template engine.

    A standalone template engine that only knows the documents templates, so it
    works with the project's settings or, when none are configured, with a
    minimal configuration of its own (no database, no apps).
    """
    import django
    from django.apps import apps
    from django.conf import settings
    from django.template import Context, Engine

    if not settings.configured:
        settings.configure(USE_I18N=False, USE_TZ=True)
    if not apps.ready:
        django.setup()
    engine = Engine(dirs=[str(TEMPLATES_DIR)], libraries={"i18n": "django.templatetags.i18n"})
    template = engine.get_template("documents/sample_invoice.html")
    return template.render(Context(sample_invoice_context(n_lines)))


def render_wkhtmltopdf(html: str) -> bytes:
    """What ``pdfkit.from_string(html, False, options={"user-style-sheet": css})`` runs.

    pdfkit is only a wrapper that builds ``wkhtmltopdf --quiet [options] - -``,
    writes the HTML to stdin and reads the PDF from stdout; calling the binary the
    same way measures the same thing without making pdfkit a dependency.
    """
    completed = subprocess.run(
        [WKHTMLTOPDF, "--quiet", "--user-style-sheet", str(PRINT_CSS_PATH), "-", "-"],
        input=html.encode("utf-8"),
        capture_output=True,
        check=True,
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

    started = time.perf_counter()
    from apps.client_portal.documents import pdf

    import_seconds = time.perf_counter() - started
    warm_up_seconds = pdf.warm_up()  # import WeasyPrint, fonts, print.css, tiny render

    html = sample_invoice_html(20)

    def weasyprint_naive() -> bytes:
        # No reuse at all: what a straightforward HTML(string=...).write_pdf() costs,
        # with a fresh FontConfiguration and print.css parsed every time.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = weasyprint.CSS(filename=str(PRINT_CSS_PATH), font_config=font_config)
        return weasyprint.HTML(string=html, url_fetcher=pdf.make_url_fetcher()).write_pdf(
            stylesheets=[css], font_config=font_config
        )

    engines = {
        "weasyprint": lambda: pdf.render_pdf(html),
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
