"""Portal list page, empty portal page, back office: three ratios in one run.

Run from the project root:  .venv/bin/python bench/list_page.py [--seconds N] [--rounds N]

What it does, in a throwaway site of its own (temporary folder, SQLite, DEBUG
off, plain HTTP on 127.0.0.1):

1. migrate, collectstatic, ``seed_demo --rows 4``; then tops up the
   notifications of owner@northwind.example.com in Northwind to 10,000 rows
   with ``bulk_create`` (the "notifications" resource; the demo's own rows of
   that person count among the 10,000).
2. Makes two signed-in sessions directly in the session store, so the load
   generator sends ``Cookie: sessionid=...``: that person acting for
   Northwind, and admin@example.com (a superuser in the demo data; a session
   naming no organization) for the back office.
3. Starts gunicorn (``config.wsgi``) on a free port with the workers and
   threads of ``bench.cfg``, as ``make run`` does, and checks five URLs:
   - the empty page ``/_bench/empty/`` (login required, served with
     ``BENCH_VIEWS=1``) answers 200 "ok";
   - the empty portal page ``/_bench/shell/`` (header, menu with the unread
     badge, footer, nothing in it) answers 200 with the menu and no table;
   - the list ``/p/notifications/?page_size=50&page=100`` (OFFSET 4,950) and
     its first page ``?page_size=50`` (``page=1`` is redirected there) answer
     200 with 50 rows and "10,000 records";
   - the back office: Django admin's changelist of notifications
     ``/admin/core/notification/?p=2``, as the superuser. The admin pages 50
     rows (``list_per_page``), newest first like the portal list; ``p`` is
     Django's page number and counts from 1, so ``p=2`` shows rows 51 to 100.
     The admin lists every notification of the site: the same 10,000 plus
     the few dozen demo notifications of other people and organizations;
     the script checks that the page shows 50 rows (50 ``_selected_action``
     checkboxes) and that they are exactly rows 51 to 100 of the admin's
     order, all of them of the 10,000.
   The first four use the member's session, the admin page the superuser's.
4. Runs wrk against the five URLs in turn, in alternating order, for several
   rounds, and compares the medians of requests per second. The list figure
   is the slower of the two list pages.

Three ratios, each printed as its own verdict line:

- ``list_page.list``: list / empty portal page, target 0.50 (what the list
  itself costs);
- ``list_page.shell``: empty portal page / empty page, target 0.50 (what any
  portal page costs: membership, badge, header, menu);
- ``list_page.back_office``: admin changelist / list, target 0.30 (the back
  office on the same rows and page size).

The last line is ``list_page: ratio=<r> target=1.00 met|short``, where ``r``
is the smallest of the three ratios, each as printed (two decimals), divided
by its own target: it is met only if all three are met.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BenchError,
    Gunicorn,
    Target,
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
TARGETS = {"list": 0.50, "shell": 0.50, "back_office": 0.30}
TOTAL_ROWS = 10_000
PAGE_SIZE = 50
DEEP_PAGE = 100
EMAIL = "owner@northwind.example.com"
ORGANIZATION = "Northwind Trading SRL"
STAFF_EMAIL = "admin@example.com"  # a superuser in the demo data
SLUG = "notifications"

EMPTY_URL = "/_bench/empty/"
# The portal's page shell with nothing in it (header, menu, unread badge).
SHELL_URL = "/_bench/shell/"
LIST_DEEP_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}&page={DEEP_PAGE}"
LIST_FIRST_URL = f"/p/{SLUG}/?page_size={PAGE_SIZE}"  # page 1 is the clean address
# Django admin's page number "p" counts from 1 (Django 5.2); the admin shows
# 50 rows a page. Page 2 holds rows 51 to 100, all of them of the 10,000.
ADMIN_PAGE = 2
ADMIN_PER_PAGE = 50
ADMIN_URL = f"/admin/core/notification/?p={ADMIN_PAGE}"

SEED_ROWS = f"""
import datetime as dt
import json
from django.contrib import admin
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
mine = Notification.objects.filter(user=user, organization=org)
# The rows the admin's changelist shows on page {ADMIN_PAGE}: its own order, as it pages.
model_admin = admin.site._registry[Notification]
ordering = list(model_admin.ordering or Notification._meta.ordering or ["-pk"])
start = ({ADMIN_PAGE} - 1) * {ADMIN_PER_PAGE}
admin_page = list(Notification.objects.order_by(*ordering, "-pk")
                  .values_list("pk", flat=True)[start:start + {ADMIN_PER_PAGE}])
print(json.dumps({{
    "rows": mine.count(),
    "all_rows": Notification.objects.count(),
    "admin_ordering": ordering,
    "admin_per_page": model_admin.list_per_page,
    "admin_page": admin_page,
    "admin_page_mine": mine.filter(pk__in=admin_page).count(),
}}))
"""

SELECTED = re.compile(r'<input\b[^>]*\bname="_selected_action"[^>]*>')
VALUE = re.compile(r'\bvalue="(\d+)"')


def verify(base: str, cookie: str, staff_cookie: str, admin_rows: list[int]) -> dict[str, int]:
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
    status, body = http_get(base + ADMIN_URL, staff_cookie)
    if status != 200:
        raise BenchError(f"{ADMIN_URL} answered {status} (expected 200): {body[:300]!r}")
    shown = [int(m.group(1)) for box in SELECTED.findall(body) if (m := VALUE.search(box))]
    if shown != admin_rows:
        first_row = ADMIN_PER_PAGE * (ADMIN_PAGE - 1) + 1
        raise BenchError(f"{ADMIN_URL}: expected rows {first_row} to "
                         f"{first_row + len(admin_rows) - 1} of the admin's order "
                         f"(ids {admin_rows[:3]}...), the page shows {len(shown)} rows "
                         f"(ids {shown[:3]}...)")
    sizes[ADMIN_URL] = len(body.encode())
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
        if seeded["admin_per_page"] != ADMIN_PER_PAGE:
            raise BenchError(f"the admin pages {seeded['admin_per_page']} notifications, "
                             f"expected {ADMIN_PER_PAGE}")
        if seeded["admin_page_mine"] != ADMIN_PER_PAGE:
            raise BenchError(f"page {ADMIN_PAGE} of the admin holds "
                             f"{seeded['admin_page_mine']} of the {TOTAL_ROWS} rows, expected "
                             f"{ADMIN_PER_PAGE}: pick another ADMIN_PAGE")
        cookie = site.session_cookie(EMAIL, ORGANIZATION)
        staff_cookie = site.staff_cookie(STAFF_EMAIL)
        targets = [Target(EMPTY_URL, EMPTY_URL, cookie), Target(SHELL_URL, SHELL_URL, cookie),
                   Target(LIST_DEEP_URL, LIST_DEEP_URL, cookie),
                   Target(LIST_FIRST_URL, LIST_FIRST_URL, cookie),
                   Target(ADMIN_URL, ADMIN_URL, staff_cookie)]
        diagnosis = site.django_json(diagnose_script(
            targets, explain=[LIST_DEEP_URL, ADMIN_URL], table="core_notification"))
        print(f"site: {site.database}, DEBUG off; {seeded['rows']} notifications of "
              f"{EMAIL} in {ORGANIZATION}; the admin ({STAFF_EMAIL}, superuser) lists all "
              f"{seeded['all_rows']} of the site, {seeded['admin_per_page']} a page, ordered "
              f"by {', '.join(seeded['admin_ordering'])}")
        print_diagnosis(diagnosis)

        with Gunicorn(site, workers=args.workers, threads=args.threads) as server:
            sizes = verify(server.base_url, cookie, staff_cookie, seeded["admin_page"])
            print("bytes: " + ", ".join(f"{url} {size}" for url, size in sizes.items()))
            rps = measure_rounds(server, targets, args)
            # Still signed in, still the same rows.
            verify(server.base_url, cookie, staff_cookie, seeded["admin_page"])
    except BenchError as exc:
        return fail(NAME, str(exc))
    finally:
        if args.keep:
            print(f"kept: {site.tmp}")
        else:
            site.remove()

    empty = median(rps[EMPTY_URL])
    shell = median(rps[SHELL_URL])
    deep = median(rps[LIST_DEEP_URL])
    first = median(rps[LIST_FIRST_URL])
    back_office = median(rps[ADMIN_URL])
    listed = min(deep, first)
    print(f"median req/s: empty {empty:.1f}, empty portal page {shell:.1f}, list page "
          f"{DEEP_PAGE} {deep:.1f}, list page 1 {first:.1f}, admin page {ADMIN_PAGE} "
          f"{back_office:.1f}")
    print(f"for information: against the empty page, the list (slower page) "
          f"{listed / empty:.2f}, the admin page {back_office / empty:.2f}")
    print(f"load average after {load_average()}")
    ratios = {"list": listed / shell, "shell": shell / empty, "back_office": back_office / listed}
    for key, ratio in ratios.items():
        print(verdict_line(f"{NAME}.{key}", ratio, TARGETS[key]))
    # As printed (two decimals), so that the last line is met exactly when all three are.
    print(verdict_line(NAME, min(round(ratios[k], 2) / TARGETS[k] for k in TARGETS), 1.0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
