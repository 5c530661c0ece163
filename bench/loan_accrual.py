"""Daily penalty accrual over 100,000 active loans, against one bulk SQL UPDATE.

Run from the project root:
    .venv/bin/python bench/loan_accrual.py [--database sqlite|mariadb|both]
                                           [--loans N] [--rounds N]

``--database`` (or ``BENCH_DATABASE``) defaults to ``both``: SQLite, then MariaDB if
something answers on 127.0.0.1:3306 (a throwaway database ``cp_l_bench_<pid>_<random>``,
dropped afterwards).

For each database, in a throwaway site of its own (``bench/_common.py``):

1. migrate; then, in one transaction with ``bulk_create`` in batches of 5,000: one
   organization, one NBP reference rate, one product and 100,000 active loans, each with
   its current schedule of two instalments: one overdue (unpaid, so penalty interest
   runs on it), one still to come. Then ``ANALYZE``.
2. In one process, for several rounds, alternating which goes first:
   - the job: ``loans.services.accrue_day(day)`` for a new day each round (the job is
     idempotent, so a day done is not done again): the refresh of the loans an instalment
     of which fell due (one in 30 on the first day, as on a day of monthly loans), one
     INSERT ... SELECT of 100,000 accrual rows, one UPDATE of the 100,000 loans'
     "accrued through" date;
   - the floor: one ``UPDATE loans_loan SET principal_outstanding = principal_outstanding
     + 0.01 WHERE status = 'active'`` touching (and changing) the same rows, in its own
     transaction.
   It checks that each job round wrote one accrual per loan.
3. The ratio is median(floor) / median(job): 1.0 would be a job as fast as the bare
   UPDATE. Printed as ``loan_accrual.sqlite: ratio=<r> target=0.20 met|short`` (and
   ``loan_accrual.mariadb: ...``); the last line is ``loan_accrual: ratio=<the worst>
   target=0.20 met|short``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BenchError,
    MariaDBDatabase,
    ThrowawaySite,
    fail,
    load_average,
    mariadb_answers,
    verdict_line,
)

NAME = "loan_accrual"
TARGET = 0.20

SCRIPT = """
import datetime as dt
import json
import statistics
import time
from decimal import Decimal
from django.db import connection, transaction
from apps.client_portal.core.models import Organization
from apps.client_portal.loans import services
from apps.client_portal.loans.models import (
    Instalment, Loan, LoanProduct, PenaltyAccrual, ReferenceRate, ScheduleVersion)

N, ROUNDS = {loans}, {rounds}
start = dt.date(2026, 1, 15)
due = dt.date(2026, 2, 15)
day0 = dt.date(2026, 3, 1)
t0 = time.perf_counter()
with transaction.atomic():
    org = Organization.objects.create(name="Bench Borrowers", kind="company", country="PL")
    ReferenceRate.objects.create(valid_from=dt.date(2020, 1, 1), rate=Decimal("5.75"))
    product = LoanProduct.objects.create(name="Bench", annual_rate=Decimal("12"),
                                         penalty_rate=Decimal("20"))
    B = 5000
    for lo in range(0, N, B):
        hi = min(N, lo + B)
        loans = Loan.objects.bulk_create([
            Loan(organization=org, number=f"B-{{i:07d}}", product=product,
                 amount=Decimal("1000.00"), instalments=2, annual_rate=Decimal("12"),
                 penalty_rate=Decimal("20"), disbursement_date=start, status="active",
                 principal_outstanding=Decimal("1000.00"), accrued_through=day0,
                 oldest_unpaid_due=due, overdue_principal=Decimal("500.00"),
                 overdue_as_of=day0,
                 # One loan in 30 has an instalment falling due: the job refreshes it.
                 next_due=day0 if i % 30 == 0 else dt.date(2026, 3, 15))
            for i in range(lo, hi)])
        if loans[0].pk is None:  # a database that returns no ids on bulk insert
            loans = list(Loan.objects.filter(number__in=[l.number for l in loans]))
        versions = ScheduleVersion.objects.bulk_create([
            ScheduleVersion(organization=org, loan=l, version=1, state="current",
                            starts_on=start, annual_rate=Decimal("12")) for l in loans])
        if versions[0].pk is None:
            versions = list(ScheduleVersion.objects.filter(loan__in=loans))
        rows = []
        for v in versions:
            rows.append(Instalment(organization=org, schedule=v, number=1, due_date=due,
                                   principal=Decimal("500.00"), interest=Decimal("10.00"),
                                   balance=Decimal("500.00")))
            rows.append(Instalment(organization=org, schedule=v, number=2,
                                   due_date=dt.date(2026, 3, 15), principal=Decimal("500.00"),
                                   interest=Decimal("5.00"), balance=Decimal("0.00")))
        Instalment.objects.bulk_create(rows, batch_size=B)
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("ANALYZE")
    else:
        for table in ("loans_loan", "loans_instalment", "loans_scheduleversion",
                      "loans_penaltyaccrual"):
            cursor.execute(f"ANALYZE TABLE {{table}}")
            cursor.fetchall()
seeded = time.perf_counter() - t0

def floor():
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE loans_loan SET principal_outstanding = principal_outstanding + 0.01 "
                       "WHERE status = 'active'")
        touched = cursor.rowcount
    assert touched == N, touched
    return time.perf_counter() - t

table = ReferenceRate.table()
jobs, floors = [], []
for r in range(ROUNDS):
    day = day0 + dt.timedelta(days=r + 1)
    def job():
        t = time.perf_counter()
        count = services.accrue_day(day, table=table)
        elapsed = time.perf_counter() - t
        assert count == N, count
        assert PenaltyAccrual.objects.filter(day=day).count() == N
        return elapsed
    if r % 2 == 0:
        floors.append(floor()); jobs.append(job())
    else:
        jobs.append(job()); floors.append(floor())
print(json.dumps({{"seeded": seeded, "jobs": jobs, "floors": floors}}))
"""


def measure(site: ThrowawaySite, loans: int, rounds: int) -> dict:
    site.manage("migrate", "--noinput", "-v0")
    return site.django_json(SCRIPT.format(loans=loans, rounds=rounds), timeout=3600)


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def report(db: str, result: dict) -> float:
    job, floor = median(result["jobs"]), median(result["floors"])
    ratio = floor / job if job else 0.0
    print(f"{NAME}.{db}: seeded in {result['seeded']:.1f} s; job "
          + ", ".join(f"{t:.3f}" for t in result["jobs"]) + " s; floor "
          + ", ".join(f"{t:.3f}" for t in result["floors"]) + " s")
    print(verdict_line(f"{NAME}.{db}", ratio, TARGET))
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "both"),
                        choices=["sqlite", "mariadb", "both"])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{NAME}: {args.loans} active loans, {args.rounds} rounds; load {load_average()}")
    ratios = []
    try:
        if args.database in ("sqlite", "both"):
            with ThrowawaySite(NAME) as site:
                ratios.append(report("sqlite", measure(site, args.loans, args.rounds)))
        if args.database in ("mariadb", "both"):
            if not mariadb_answers():
                if args.database == "mariadb":
                    return fail(NAME, "nothing answers on 127.0.0.1:3306")
                print("!! loan_accrual: MariaDB does not answer: judged on SQLite alone",
                      file=sys.stderr)
            else:
                with MariaDBDatabase(prefix="cp_l_bench") as db, \
                        ThrowawaySite(NAME, database_url=db.url) as site:
                    ratios.append(report("mariadb", measure(site, args.loans, args.rounds)))
    except BenchError as exc:
        return fail(NAME, str(exc))
    if not ratios:
        return fail(NAME, "nothing was measured")
    print(verdict_line(NAME, min(ratios), TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
