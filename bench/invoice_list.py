"""Invoice list of an organization with 100,000 documents against the empty page.

Run from the project root:  .venv/bin/python bench/invoice_list.py [--seconds N] [--rounds N]

What it does, in a throwaway site of its own (temporary folder, SQLite, DEBUG
off, plain HTTP on 127.0.0.1), with the helpers of ``bench/_common.py``:

1. migrate, collectstatic, ``seed_demo --rows 4``; then tops up Northwind's
   financial documents to 100,000 with ``bulk_create`` (published, in RON and
   EUR, a mix of paid, partly paid, unpaid and overdue, over ten years).
2. Makes a signed-in session for owner@northwind.example.com acting for Northwind.
3. Starts gunicorn and checks the pages: ``/_bench/empty/`` answers "ok"; the
   invoice list's first page (newest first, the default order), a deep page and
   the "unpaid" quick view answer 200 with 50 rows.
4. Runs wrk against each URL in turn, alternating the order, for several rounds,
   and compares the medians of requests per second.

The last line is ``invoice_list: ratio=<list/empty> target=0.50 met|short``,
where the list figure is the slowest of the three list URLs.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BenchError,
    Gunicorn,
    ThrowawaySite,
    check_list_page,
    cpu_count,
    diagnose_script,
    fail,
    http_get,
    load_arguments,
    load_average,
    measure_rounds,
    median,
    print_diagnosis,
    verdict_line,
)

NAME = "invoice_list"
TARGET = 0.50
TOTAL_ROWS = 100_000
PAGE_SIZE = 50
DEEP_PAGE = 200
EMAIL = "owner@northwind.example.com"
ORGANIZATION = "Northwind Trading SRL"
SLUG = "invoices"

EMPTY_URL = "/_bench/empty/"
LIST_FIRST_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}"
LIST_DEEP_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}&page={DEEP_PAGE}"
LIST_UNPAID_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}&view=unpaid"
LIST_URLS = [LIST_FIRST_URL, LIST_DEEP_URL, LIST_UNPAID_URL]

SEED_ROWS = f"""
import datetime as dt
import json
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from apps.client_portal.billing.models import FinancialDocument as Doc
from apps.client_portal.core.models import Organization

org = Organization.objects.get(name={ORGANIZATION!r})
have = Doc.objects.filter(organization=org).exclude(status=Doc.Status.DRAFT).count()
today = timezone.localdate()
now = timezone.now()
S = Doc.Status

def make(i):
    net = Decimal(100 + (i * 37) % 9000) + Decimal(i % 100) / 100
    vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    total = net + vat
    issue = today - dt.timedelta(days=(i * 3650) // {TOTAL_ROWS})
    state = i % 10
    half = (total / 2).quantize(Decimal("0.01"))
    paid = total if state < 6 else half if state < 8 else Decimal("0.00")
    status = S.PAID if state < 6 else S.PARTIALLY_PAID if state < 8 else S.UNPAID
    return Doc(organization=org, kind=Doc.Kind.INVOICE, number=f"BENCH-{{i:07d}}",
               issue_date=issue, due_date=issue + dt.timedelta(days=30),
               currency="EUR" if i % 4 == 0 else "RON", net=net, vat=vat, total=total,
               paid=paid, outstanding=total - paid, status=status, published_at=now)

with transaction.atomic():
    Doc.objects.bulk_create((make(i) for i in range({TOTAL_ROWS} - have)), batch_size=2000)
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(json.dumps({{
    "rows": Doc.objects.filter(organization=org).exclude(status=Doc.Status.DRAFT).count(),
    "all_rows": Doc.objects.count(),
}}))
"""

def verify(base: str, cookie: str, total: int) -> dict[str, int]:
    sizes = {}
    status, body = http_get(base + EMPTY_URL, cookie)
    if status != 200 or body != "ok":
        raise BenchError(f"{EMPTY_URL} answered {status} {body[:200]!r} (expected 200 'ok')")
    sizes[EMPTY_URL] = len(body.encode())
    for url in LIST_URLS:
        status, body = http_get(base + url, cookie)
        if status != 200:
            raise BenchError(f"{url} answered {status} (expected 200): {body[:300]!r}")
        check_list_page(body, url, SLUG, PAGE_SIZE, total if url != LIST_UNPAID_URL else None)
        sizes[url] = len(body.encode())
    return sizes


def main(argv: list[str]) -> int:
    args = load_arguments(__doc__.splitlines()[0]).parse_args(argv[1:])

    print(f"machine: {cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, load average before {load_average()}")
    site = ThrowawaySite("bench", BENCH_VIEWS="1")
    try:
        site.prepare(demo_rows=4)
        seeded = site.django_json(SEED_ROWS, timeout=1200)
        if seeded["rows"] != TOTAL_ROWS:
            raise BenchError(f"seeded {seeded['rows']} documents, expected {TOTAL_ROWS}")
        cookie = site.session_cookie(EMAIL, ORGANIZATION)
        diagnosis = site.django_json(f"COOKIE = {cookie!r}\n" + diagnose_script(
            [EMPTY_URL, *LIST_URLS], EMAIL, ORGANIZATION, SLUG, page_size=PAGE_SIZE))
        print(f"site: SQLite in {site.tmp}, DEBUG off; {seeded['rows']} published documents "
              f"of {ORGANIZATION} ({seeded['all_rows']} in the table)")
        print_diagnosis(diagnosis)

        urls = [EMPTY_URL, *LIST_URLS]
        with Gunicorn(site, workers=args.workers, threads=args.threads) as server:
            sizes = verify(server.base_url, cookie, seeded["rows"])
            print("bytes: " + ", ".join(f"{url} {size}" for url, size in sizes.items()))
            rps = measure_rounds(server, urls, cookie, args)
            verify(server.base_url, cookie, seeded["rows"])
    except BenchError as exc:
        return fail(NAME, str(exc))
    finally:
        if args.keep:
            print(f"kept: {site.tmp}")
        else:
            site.remove()

    empty = median(rps[EMPTY_URL])
    lists = {url: median(rps[url]) for url in LIST_URLS}
    print(f"median req/s: empty {empty:.1f}; " + "; ".join(
        f"{url} {value:.1f} (ratio {value / empty:.2f})" for url, value in lists.items()))
    print(f"load average after {load_average()}")
    print(verdict_line(NAME, min(lists.values()) / empty, TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
