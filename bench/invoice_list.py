"""Invoice list growth: 100,000 documents against 1,000, on SQLite and MariaDB.

Run from the project root:
    .venv/bin/python bench/invoice_list.py [--database sqlite|mariadb|both]
                                           [--seconds N] [--rounds N]

``--database`` (or the environment's ``BENCH_DATABASE``) defaults to ``both``:
SQLite, then MariaDB if something answers on 127.0.0.1:3306. If nothing does,
the script says so loudly and judges SQLite alone; with ``--database mariadb``
it fails instead.

What it does for each database, in a throwaway site of its own (temporary
folder, DEBUG off, plain HTTP on 127.0.0.1; the database is a SQLite file in
the folder, or a database ``cp_bench_<pid>_<random>`` created on the local
MariaDB server as root, utf8mb4 / utf8mb4_unicode_ci, and dropped afterwards,
whether the run succeeded or not), with the helpers of ``bench/_common.py``:

1. migrate, collectstatic, ``seed_demo --rows 4``; then, with ``bulk_create``
   in batches of 2,000 inside one transaction, tops up the published financial
   documents of two organizations of the demo data:
   - Northwind (Northwind Trading SRL) to 100,000: the big organization;
   - Contoso (Contoso Logistics Sp. z o.o.) to exactly 1,000: the small one.
   Both get the same mix, spread over ten years: invoices in RON and EUR,
   60 % paid, 20 % partly paid, 20 % unpaid, each due 30 days after issue
   (the demo's own documents of each organization count among its total).
   Then ``ANALYZE`` (SQLite) or ``ANALYZE TABLE`` (MariaDB).
2. Makes a signed-in session for each organization's owner acting for it
   (owner@northwind.example.com, owner@contoso.example.com).
3. Starts gunicorn with the workers and threads of ``bench.cfg`` and checks
   the pages: ``/_bench/empty/`` answers "ok"; for each organization, with its
   owner's session, three kinds of invoice list page answer 200 with 50 rows
   and the right count ("10,000+ records" where more than 10,000 match, the
   exact figure otherwise):
   - first: ``/p/invoices/?page_size=50`` (newest first, the default order);
   - deep: ``/p/invoices/?page_size=50&page=10`` (OFFSET 450, a page both have);
   - unpaid: ``/p/invoices/?page_size=50&view=unpaid`` (the quick view).
4. Runs wrk against the seven targets (the empty page, and each kind of page
   for the big and then the small organization) in turn, alternating the
   order, for several rounds, and compares the medians of requests per second.

The ratio of a kind of page is big organization / small organization (same
URL, each with its own owner's session); a database's ratio is the worst of
the three kinds, printed as ``invoice_list.sqlite: ratio=<r> target=0.80
met|short`` (and ``invoice_list.mariadb: ...``). Each list page's ratio to the
empty page is printed for information only. The last line is
``invoice_list: ratio=<the worst database's ratio> target=0.80 met|short``.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    MARIADB_HOST,
    MARIADB_PORT,
    BenchError,
    Gunicorn,
    MariaDBDatabase,
    Target,
    ThrowawaySite,
    check_list_page,
    cpu_count,
    diagnose_script,
    fail,
    http_get,
    load_arguments,
    load_average,
    mariadb_answers,
    measure_rounds,
    median,
    print_diagnosis,
    verdict_line,
)

NAME = "invoice_list"
TARGET = 0.80
PAGE_SIZE = 50
DEEP_PAGE = 10
SLUG = "invoices"


@dataclass(frozen=True)
class Org:
    key: str  # "big" or "small", in the output
    email: str
    name: str
    rows: int  # published documents
    tag: str  # in the seeded documents' numbers (unique by kind and number)


BIG = Org("big", "owner@northwind.example.com", "Northwind Trading SRL", 100_000, "NW")
SMALL = Org("small", "owner@contoso.example.com", "Contoso Logistics Sp. z o.o.", 1_000, "CT")
ORGS = [BIG, SMALL]

EMPTY_URL = "/_bench/empty/"
KINDS = {
    "first": f"/p/{SLUG}/?page_size={PAGE_SIZE}",
    "deep": f"/p/{SLUG}/?page_size={PAGE_SIZE}&page={DEEP_PAGE}",
    "unpaid": f"/p/{SLUG}/?page_size={PAGE_SIZE}&view=unpaid",
}

SEED_ROWS = f"""
import datetime as dt
import json
from decimal import Decimal
from django.db import connection, transaction
from django.utils import timezone
from apps.client_portal.billing.models import FinancialDocument as Doc
from apps.client_portal.core.models import Organization

today = timezone.localdate()
now = timezone.now()
S = Doc.Status

def make(org, tag, i, total):
    net = Decimal(100 + (i * 37) % 9000) + Decimal(i % 100) / 100
    vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    gross = net + vat
    issue = today - dt.timedelta(days=(i * 3650) // total)
    state = i % 10
    half = (gross / 2).quantize(Decimal("0.01"))
    paid = gross if state < 6 else half if state < 8 else Decimal("0.00")
    status = S.PAID if state < 6 else S.PARTIALLY_PAID if state < 8 else S.UNPAID
    return Doc(organization=org, kind=Doc.Kind.INVOICE, number=f"BENCH-{{tag}}-{{i:07d}}",
               issue_date=issue, due_date=issue + dt.timedelta(days=30),
               currency="EUR" if i % 4 == 0 else "RON", net=net, vat=vat, total=gross,
               paid=paid, outstanding=gross - paid, status=status, published_at=now)

result = {{}}
for key, name, tag, total in {[(o.key, o.name, o.tag, o.rows) for o in ORGS]!r}:
    org = Organization.objects.get(name=name)
    have = Doc.objects.filter(organization=org).exclude(status=S.DRAFT).count()
    rows = (make(org, tag, i, total) for i in range(total - have))
    with transaction.atomic():
        Doc.objects.bulk_create(rows, batch_size=2000)
    published = Doc.objects.filter(organization=org).exclude(status=S.DRAFT)
    result[key] = {{"rows": published.count(),
                   "unpaid": published.filter(status__in=Doc.OPEN_STATUSES).count()}}
table = connection.ops.quote_name(Doc._meta.db_table)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE TABLE {{table}}")
    if connection.vendor != "sqlite":
        cursor.fetchall()
result["all_rows"] = Doc.objects.count()
print(json.dumps(result))
"""


def label(org: Org, kind: str) -> str:
    return f"{org.key:5s} {KINDS[kind]}"


def verify(base: str, cookies: dict[str, str], seeded: dict) -> dict[str, int]:
    """Each page answers 200 with 50 rows and the count it should; body sizes by label."""
    sizes = {}
    status, body = http_get(base + EMPTY_URL, cookies[BIG.key])
    if status != 200 or body != "ok":
        raise BenchError(f"{EMPTY_URL} answered {status} {body[:200]!r} (expected 200 'ok')")
    sizes[EMPTY_URL] = len(body.encode())
    for org in ORGS:
        for kind, url in KINDS.items():
            what = f"{url} ({org.name})"
            status, body = http_get(base + url, cookies[org.key])
            if status != 200:
                raise BenchError(f"{what} answered {status} (expected 200): {body[:300]!r}")
            expected = seeded[org.key]["unpaid" if kind == "unpaid" else "rows"]
            check_list_page(body, what, SLUG, PAGE_SIZE, expected)
            sizes[label(org, kind)] = len(body.encode())
    return sizes


def run_database(database: str, args) -> float:
    """Seed, check and measure on ``database``; print its lines; its worst ratio."""
    print(f"== {NAME} on {database}")
    if database == "mariadb":
        with MariaDBDatabase() as db:
            return measure_site(ThrowawaySite("bench", database_url=db.url, BENCH_VIEWS="1"),
                                database, args)
    return measure_site(ThrowawaySite("bench", BENCH_VIEWS="1"), database, args)


def measure_site(site: ThrowawaySite, database: str, args) -> float:
    try:
        site.prepare(demo_rows=4)
        seeded = site.django_json(SEED_ROWS, timeout=1800)
        for org in ORGS:
            if seeded[org.key]["rows"] != org.rows:
                raise BenchError(f"seeded {seeded[org.key]['rows']} documents of {org.name}, "
                                 f"expected {org.rows}")
        cookies = {org.key: site.session_cookie(org.email, org.name) for org in ORGS}
        targets = [Target(EMPTY_URL, EMPTY_URL, cookies[BIG.key])]
        for kind, url in KINDS.items():
            targets += [Target(label(org, kind), url, cookies[org.key]) for org in ORGS]
        diagnosis = site.django_json(diagnose_script(
            targets, explain=[label(org, kind) for kind in KINDS for org in ORGS],
            table="billing_financialdocument"))
        print(f"site: {site.database}, DEBUG off; published documents: "
              + ", ".join(f"{org.key} {org.name} {seeded[org.key]['rows']} "
                          f"({seeded[org.key]['unpaid']} unpaid)" for org in ORGS)
              + f"; {seeded['all_rows']} in the table")
        print_diagnosis(diagnosis)

        with Gunicorn(site, workers=args.workers, threads=args.threads) as server:
            sizes = verify(server.base_url, cookies, seeded)
            print("bytes: " + ", ".join(f"{name.strip()} {size}" for name, size in sizes.items()))
            rps = measure_rounds(server, targets, args)
            verify(server.base_url, cookies, seeded)  # still signed in, still the same rows
    finally:
        if args.keep:
            print(f"kept: {site.tmp}" + (" (the MariaDB database is dropped all the same)"
                                         if database == "mariadb" else ""))
        else:
            site.remove()

    empty = median(rps[EMPTY_URL])
    print(f"median req/s: empty {empty:.1f}")
    ratios = {}
    for kind in KINDS:
        big, small = median(rps[label(BIG, kind)]), median(rps[label(SMALL, kind)])
        ratios[kind] = big / small
        print(f"  {kind:6s} big {big:7.1f}, small {small:7.1f}: big/small {big / small:.2f}; "
              f"for information, against the empty page: big {big / empty:.2f}, "
              f"small {small / empty:.2f}")
    worst = min(ratios, key=ratios.get)
    print(f"worst kind: {worst}; load average after {load_average()}")
    ratio = round(ratios[worst], 2)
    print(verdict_line(f"{NAME}.{database}", ratio, TARGET))
    return ratio


def main(argv: list[str]) -> int:
    parser = load_arguments(__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "mariadb", "both"],
                        default=os.environ.get("BENCH_DATABASE", "both"),
                        help="the database(s) to measure on (default: both, or BENCH_DATABASE)")
    args = parser.parse_args(argv[1:])

    print(f"machine: {cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, load average before {load_average()}")
    databases = ["sqlite", "mariadb"] if args.database == "both" else [args.database]
    if "mariadb" in databases and not mariadb_answers():
        message = f"MariaDB does not answer on {MARIADB_HOST}:{MARIADB_PORT}"
        if args.database == "mariadb":
            return fail(NAME, message)
        fail(NAME, message + ": NOT MEASURED on MariaDB; judging SQLite alone")
        print(f"note: {message}: not measured on MariaDB; the verdict is SQLite's alone")
        databases.remove("mariadb")
    ratios = {}
    for database in databases:
        try:
            ratios[database] = run_database(database, args)
        except BenchError as exc:
            return fail(NAME, f"on {database}: {exc}")
    print(verdict_line(NAME, min(ratios.values()), TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
