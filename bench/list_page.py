"""Portal list page throughput against an empty page through the same middleware.

Run from the project root:  .venv/bin/python bench/list_page.py [--seconds N] [--rounds N]

What it does, in a throwaway site of its own (temporary folder, SQLite, DEBUG
off, plain HTTP on 127.0.0.1):

1. migrate, collectstatic, ``seed_demo --rows 4``; then tops up the
   notifications of owner@northwind.example.com in Northwind to 10,000 rows
   with ``bulk_create`` (the "notifications" resource).
2. Makes a signed-in session for that person acting for Northwind directly in
   the session store, so the load generator sends ``Cookie: sessionid=...``.
3. Starts gunicorn (``config.wsgi``) on a free port, as ``make run`` does, and
   checks the pages: the empty page ``/_bench/empty/`` (login required, served
   with ``BENCH_VIEWS=1``) answers 200 "ok"; the empty portal page
   ``/_bench/shell/`` (header, menu and unread badge, nothing in it; measured
   for information) answers with the shell; the list
   ``/p/notifications/?page_size=50&page=100`` and its first page answer 200
   with 50 rows of 10,000.
4. Runs wrk against the four URLs in turn, in alternating order, for several
   rounds, and compares the medians of requests per second.

The last line is ``list_page: ratio=<list/empty> target=0.50 met|short``, where
the list figure is the slower of the deep page and the first page.
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

NAME = "list_page"
TARGET = 0.50
TOTAL_ROWS = 10_000
PAGE_SIZE = 50
DEEP_PAGE = 100
EMAIL = "owner@northwind.example.com"
ORGANIZATION = "Northwind Trading SRL"
SLUG = "notifications"

EMPTY_URL = "/_bench/empty/"
# For information only: the portal's page shell with nothing in it (header,
# menu, unread badge), to show what the list itself adds to any portal page.
SHELL_URL = "/_bench/shell/"
LIST_DEEP_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}&page={DEEP_PAGE}"
LIST_FIRST_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}&page=1"

SEED_ROWS = f"""
import datetime as dt
import json
from django.db import transaction
from django.utils import timezone
from apps.client_portal.core.models import Membership, Notification

membership = Membership.objects.select_related("user", "organization").get(
    user__email={EMAIL!r}, organization__name={ORGANIZATION!r})
user, org = membership.user, membership.organization
have = Notification.objects.filter(user=user, organization=org).count()
titles = ["Your invoice is ready", "Payment received", "A case was answered",
          "A document awaits your signature", "Meter reading window is open"]
levels = [c for c, _ in Notification.Level.choices]
now = timezone.now()
with transaction.atomic():
    Notification.objects.bulk_create(
        (
            Notification(
                user=user, organization=org, level=levels[i % len(levels)],
                title=f"{{titles[i % len(titles)]}} #{{i + 1}}",
                body="See the portal for details.",
                created_at=now - dt.timedelta(days=1, minutes=17 * i),
                read_at=None if i % 3 else now,
            )
            for i in range({TOTAL_ROWS} - have)
        ),
        batch_size=1000,
    )
print(json.dumps({{
    "rows": Notification.objects.filter(user=user, organization=org).count(),
    "all_rows": Notification.objects.count(),
}}))
"""

def verify(base: str, cookie: str) -> dict[str, int]:
    """Each URL answers 200 with what it should; returns body sizes."""
    sizes = {}
    status, body = http_get(base + EMPTY_URL, cookie)
    if status != 200 or body != "ok":
        raise BenchError(f"{EMPTY_URL} answered {status} {body[:200]!r} (expected 200 'ok')")
    sizes[EMPTY_URL] = len(body.encode())
    status, body = http_get(base + SHELL_URL, cookie)
    if status != 200 or '<nav class="sidenav"' not in body or "<table" in body:
        raise BenchError(f"{SHELL_URL} answered {status} {body[:200]!r} (expected the shell)")
    sizes[SHELL_URL] = len(body.encode())
    for url in (LIST_DEEP_URL, LIST_FIRST_URL):
        status, body = http_get(base + url, cookie)
        if status != 200:
            raise BenchError(f"{url} answered {status} (expected 200): {body[:300]!r}")
        check_list_page(body, url, SLUG, PAGE_SIZE, TOTAL_ROWS)
        sizes[url] = len(body.encode())
    return sizes


def main(argv: list[str]) -> int:
    args = load_arguments(__doc__.splitlines()[0]).parse_args(argv[1:])

    print(f"machine: {cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, load average before {load_average()}")
    site = ThrowawaySite("bench", BENCH_VIEWS="1")
    try:
        site.prepare(demo_rows=4)
        seeded = site.django_json(SEED_ROWS)
        if seeded["rows"] != TOTAL_ROWS:
            raise BenchError(f"seeded {seeded['rows']} notifications, expected {TOTAL_ROWS}")
        cookie = site.session_cookie(EMAIL, ORGANIZATION)
        diagnosis = site.django_json(f"COOKIE = {cookie!r}\n" + diagnose_script(
            [EMPTY_URL, SHELL_URL, LIST_DEEP_URL, LIST_FIRST_URL], EMAIL, ORGANIZATION, SLUG,
            page_size=PAGE_SIZE, offset=(DEEP_PAGE - 1) * PAGE_SIZE))
        print(f"site: SQLite in {site.tmp}, DEBUG off; {seeded['rows']} notifications of "
              f"{EMAIL} in {ORGANIZATION} ({seeded['all_rows']} in the table)")
        print_diagnosis(diagnosis)

        urls = [EMPTY_URL, SHELL_URL, LIST_DEEP_URL, LIST_FIRST_URL]
        with Gunicorn(site, workers=args.workers, threads=args.threads) as server:
            sizes = verify(server.base_url, cookie)
            print("bytes: " + ", ".join(f"{url} {size}" for url, size in sizes.items()))
            rps = measure_rounds(server, urls, cookie, args)
            verify(server.base_url, cookie)  # still signed in, still 50 rows
    except BenchError as exc:
        return fail(NAME, str(exc))
    finally:
        if args.keep:
            print(f"kept: {site.tmp}")
        else:
            site.remove()

    empty = median(rps[EMPTY_URL])
    deep = median(rps[LIST_DEEP_URL])
    first = median(rps[LIST_FIRST_URL])
    shell = median(rps[SHELL_URL])
    print(f"median req/s: empty {empty:.1f}, list page {DEEP_PAGE} {deep:.1f} "
          f"(ratio {deep / empty:.2f}), list page 1 {first:.1f} (ratio {first / empty:.2f})")
    print(f"for information: empty portal page (shell) {shell:.1f} req/s; slower list page "
          f"against it {min(deep, first) / shell:.2f}, against the empty page {shell / empty:.2f}")
    print(f"load average after {load_average()}")
    print(verdict_line(NAME, min(deep, first) / empty, TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
