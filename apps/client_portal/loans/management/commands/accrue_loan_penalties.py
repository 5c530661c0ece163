"""The daily penalty interest job: ``manage.py accrue_loan_penalties [--through YYYY-MM-DD]``.

Run it once a day from cron (it catches up every day it missed); with ``--queue`` it is
handed to the background jobs (``core.jobs.enqueue``) instead of running here.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.client_portal.core import jobs
from apps.client_portal.loans import services


class Command(BaseCommand):
    help = "Accrue penalty interest of active loans up to today (idempotent, restart-safe)."

    def add_arguments(self, parser):
        parser.add_argument("--through", help="the last day to accrue (default: today)")
        parser.add_argument("--queue", action="store_true", help="run as a background job")

    def handle(self, *args, through=None, queue=False, **options):
        day = None
        if through:
            try:
                day = dt.date.fromisoformat(through)
            except ValueError as exc:
                raise CommandError("--through takes a date, YYYY-MM-DD") from exc
        if queue:
            jobs.enqueue(services.accrue_penalties, day)
            self.stdout.write("queued")
            return
        result = services.accrue_penalties(day)
        self.stdout.write(f"{result['days']} days, {result['accruals']} accruals")
