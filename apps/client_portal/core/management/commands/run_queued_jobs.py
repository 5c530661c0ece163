"""Move jobs that waited in the database (Redis was down) into RQ.

Cron, every minute::

    * * * * * cd /srv/portal && .venv/bin/python manage.py run_queued_jobs

or beside the RQ workers, as a process of its own::

    python manage.py run_queued_jobs --loop 10
"""

import time

from django.core.management.base import BaseCommand

from apps.client_portal.core import queued_jobs


class Command(BaseCommand):
    help = "Move background jobs that waited in the database while Redis was down into RQ."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS",
                            help="keep running, trying again every SECONDS")
        parser.add_argument("--limit", type=int, default=None,
                            help="move at most this many jobs per run")

    def handle(self, *args, loop=0, limit=None, **options):
        while True:
            moved, left, error = queued_jobs.drain(limit=limit)
            if moved or left or options["verbosity"] > 1:
                why = f" (Redis: {error})" if error else ""
                self.stdout.write(f"queued jobs: {moved} moved, {left} waiting{why}")
            if not loop:
                return
            time.sleep(loop)
