"""Debt import: Metro 2 records read, checked and stored, against a raw executemany.

Run from the project root:  .venv/bin/python bench/debt_import.py [--records N] [--no-mariadb]

What it does, for SQLite and then MariaDB (each a throwaway site of its own,
bench/_common.py; MariaDB in a database created and dropped for the run):

1. migrate, one client organization (invented, example.com).
2. Writes a Metro 2 file of N base records (default 100,000; character format,
   426 bytes each, the project's own generator bureau/metro2/writer.py).
3. In one process: imports the file through the real pipeline
   (services.start_import, run_import: stream, check every field, store in
   batches inside one transaction: "read, check, store"), timed; then deletes
   those rows and inserts the same rows (the same column values, built from
   the same file beforehand, not timed) into the same table, bureau_debt, with
   one ``cursor.executemany`` in one transaction, timed. The ratio is raw time
   / pipeline time: 1.0 would be an import as cheap as the bare insert.
4. Memory: the pipeline alone, in two fresh processes, on 10,000 and on N
   records: the growth of peak RSS (ru_maxrss) during the import. The
   difference must stay under 100 MB (the reader streams; nothing is kept per
   record but the current batch).

Prints one line per database and then ``debt_import: ratio=<x> target=0.50 met|short``
where x is the lower of the two ratios (both must reach the target), and the
memory line ``debt_import.memory: ...``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    BenchError,
    MariaDBDatabase,
    ThrowawaySite,
    cpu_count,
    fail,
    load_average,
    mariadb_answers,
    verdict_line,
)

TARGET = 0.50
MEMORY_LIMIT_MB = 100

SETUP = r"""
from apps.client_portal.core.models import Organization
org, _ = Organization.objects.get_or_create(client_code="B-0001", defaults=dict(
    kind="company", name="Bench Lender SRL", country="MD", registration_number="1003600045670",
    email="bench@lender.example.com"))
# Imports count against the client's subscription (records per period): one large enough.
import datetime
from decimal import Decimal

from apps.client_portal.bureau.reports.models import Plan, Subscription
plan, _ = Plan.objects.get_or_create(name="Bench plan", defaults=dict(
    period_months=12, price=Decimal("0"), quota_records=2_000_000_000))
Subscription.objects.get_or_create(organization=org, contract_number="BENCH-1", defaults=dict(
    plan=plan, starts_on=datetime.date(2020, 1, 1), price=Decimal("0")))
print(org.pk)
"""

TIMED = r"""
import json, time
from django.core.files import File
from django.db import connection, transaction
from apps.client_portal.bureau import services, importer
from apps.client_portal.bureau.metro2 import reader
from apps.client_portal.bureau.models import Debt, DebtIdentifier, DebtImport
from apps.client_portal.core.models import Organization
from apps.client_portal.core.tenancy import Access

org = Organization.objects.get(client_code="B-0001")
path = PATH
# The same rows as plain tuples, for the raw insert (built before anything is timed).
columns = ["uuid", "organization_id", "subject_kind", "subject_name", "account_number",
           "debt_type", "opened_on", "due_on", "first_delinquency_on", "closed_on",
           "last_payment_on", "original_amount", "balance", "past_due", "charged_off",
           "currency", "status", "payment_history", "consent_reference", "version",
           "is_current", "deleted", "record_hash", "source_id", "created_at", "updated_at"]
import uuid as uuidlib
from django.utils import timezone
now = timezone.now()
rows = []
with open(path, "rb") as f:
    for record in reader.read(f):
        if record.kind != "base":
            continue
        row, _errors = importer.normalize_metro2(record, "MDL")
        v = row.fields
        rows.append((uuidlib.uuid4().hex, org.pk, v["subject_kind"], v["subject_name"],
                     row.account_number, v["debt_type"], v["opened_on"], v["due_on"],
                     v["first_delinquency_on"], v["closed_on"], v["last_payment_on"],
                     str(v["original_amount"]), str(v["balance"]), str(v["past_due"]),
                     str(v["charged_off"]), v["currency"], v["status"], v["payment_history"],
                     v["consent_reference"], 1, True, False, row.record_hash, None, now, now))

def pipeline():
    access = Access.provider(organization=org)
    with open(path, "rb") as f:
        imp = services.start_import(access=access, upload=File(f, name="bench.dat"),
                                    fmt="metro2", queue=False)
    t = time.perf_counter()
    services.run_import(imp.pk)
    took = time.perf_counter() - t
    imp.refresh_from_db()
    assert imp.status == "done", imp.error_report[:3]
    assert imp.imported == len(rows), (imp.imported, len(rows))
    return took

def clear():
    DebtIdentifier.objects.filter(debt__organization=org).delete()
    Debt.objects.filter(organization=org).delete()

def raw():
    table = Debt._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    took = time.perf_counter() - t
    assert Debt.objects.filter(organization=org).count() == len(rows)
    return took

clear()
p = pipeline()
clear()
r = raw()
clear()
print(json.dumps({"records": len(rows), "pipeline": p, "raw": r}))
"""

MEMORY = r"""
import json, resource, time
from django.core.files import File
from apps.client_portal.bureau import services
from apps.client_portal.bureau.models import Debt, DebtIdentifier
from apps.client_portal.core.models import Organization
from apps.client_portal.core.tenancy import Access
org = Organization.objects.get(client_code="B-0001")
DebtIdentifier.objects.filter(debt__organization=org).delete()
Debt.objects.filter(organization=org).delete()
with open(PATH, "rb") as f:
    imp = services.start_import(access=Access.provider(organization=org),
                                upload=File(f, name="mem.dat"), fmt="metro2", queue=False)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
services.run_import(imp.pk)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
imp.refresh_from_db()
assert imp.status == "done", imp.error_report[:3]
DebtIdentifier.objects.filter(debt__organization=org).delete()
Debt.objects.filter(organization=org).delete()
print(json.dumps({"records": imp.imported, "peak_mb": after / 1024,
                  "growth_mb": (after - before) / 1024}))
"""


def measure(site: ThrowawaySite, big: Path, small: Path) -> dict:
    site.manage("migrate", "--noinput", "-v0", timeout=900)
    site.django(SETUP)
    timed = site.django_json(TIMED.replace("PATH", repr(str(big))), timeout=3600)
    mem_small = site.django_json(MEMORY.replace("PATH", repr(str(small))), timeout=1800)
    mem_big = site.django_json(MEMORY.replace("PATH", repr(str(big))), timeout=3600)
    return {**timed, "mem_small": mem_small, "mem_big": mem_big}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--no-mariadb", action="store_true")
    args = parser.parse_args()

    from apps.client_portal.bureau.metro2 import writer

    print(f"debt_import: {args.records:,} Metro 2 base records; Python "
          f"{platform.python_version()}, {cpu_count()} CPUs, load {load_average()}")
    results = {}
    with ThrowawaySite("debtbench") as files:
        big, small = files.tmp / "big.dat", files.tmp / "small.dat"
        size = writer.write_file(big, args.records)
        writer.write_file(small, args.small)
        print(f"  file: {size / 1e6:.1f} MB")
        backends = [("sqlite", None)]
        if not args.no_mariadb:
            if mariadb_answers():
                backends.append(("mariadb", "mariadb"))
            else:
                print("  MariaDB does not answer on 127.0.0.1:3306: SQLite only")
        for name, kind in backends:
            try:
                if kind is None:
                    with ThrowawaySite("debtbench-sqlite") as site:
                        results[name] = measure(site, big, small)
                else:
                    with MariaDBDatabase("cp_debtbench") as db, ThrowawaySite(
                            "debtbench-mariadb", database_url=db.url) as site:
                        results[name] = measure(site, big, small)
            except BenchError as error:
                return fail("debt_import", f"{name}: {error}")
            r = results[name]
            ratio = r["raw"] / r["pipeline"]
            growth = r["mem_big"]["growth_mb"] - r["mem_small"]["growth_mb"]
            r["ratio"], r["growth"] = ratio, growth
            print(f"  {name}: pipeline {r['pipeline']:.2f} s "
                  f"({r['records'] / r['pipeline']:,.0f} records/s), raw executemany "
                  f"{r['raw']:.2f} s ({r['records'] / r['raw']:,.0f} rows/s), "
                  f"ratio {ratio:.2f}")
            print(f"  {name}: peak RSS growth {r['mem_small']['growth_mb']:.1f} MB for "
                  f"{r['mem_small']['records']:,} records, {r['mem_big']['growth_mb']:.1f} MB "
                  f"for {r['mem_big']['records']:,} (difference {growth:.1f} MB, "
                  f"limit {MEMORY_LIMIT_MB})")
    worst_growth = max(r["growth"] for r in results.values())
    print(f"debt_import.memory: growth={worst_growth:.1f}MB limit={MEMORY_LIMIT_MB}MB "
          f"{'met' if worst_growth <= MEMORY_LIMIT_MB else 'short'}")
    print(json.dumps({k: {"ratio": round(v["ratio"], 3), "pipeline_s": round(v["pipeline"], 2),
                          "raw_s": round(v["raw"], 2), "growth_mb": round(v["growth"], 1)}
                      for k, v in results.items()}))
    print(verdict_line("debt_import", min(r["ratio"] for r in results.values()), TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
