"""Start a PDF batch (billing/pdf_batch.py) and, if asked, watch it to the end.

    manage.py render_pdfs [--missing] [--organization CODE] [--wait]
    manage.py render_pdfs --publish 2026-11 [--organization CODE] [--wait]

``--missing`` (the default) renders every published document without a PDF;
``--publish YYYY-MM`` publishes the drafts issued in that month and renders
them. Where jobs run inline (no Redis, or ``JOBS_INLINE``) the command renders
them itself; with ``--wait`` or inline it prints a progress line (done of total,
rate, time left): redrawn in place on a terminal, one line every few seconds
otherwise (a log, cron mail).
"""

import calendar
import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.client_portal.billing import pdf_batch
from apps.client_portal.billing.models import PdfBatch
from apps.client_portal.core.models import Organization

POLL_SECONDS = 1.0
PLAIN_EVERY_SECONDS = 5.0


def progress_line(batch: PdfBatch, now=None) -> str:
    """``done of total (percent), failures, rate, time left`` of ``batch``."""
    parts = [f"PDF batch {batch.pk}: {batch.done} of {batch.total} rendered "
             f"({batch.percent} %)"]
    if batch.failed:
        parts.append(f"{batch.failed} failed")
    rate = batch.rate(now)
    if rate:
        parts.append(f"{rate:.1f}/s")
    left = batch.seconds_left(now)
    if left is not None:
        parts.append(f"{_duration(left)} left")
    if not batch.is_active:
        parts.append(batch.get_status_display().lower())
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _month(value: str) -> tuple[dt.date, dt.date]:
    try:
        year, month = (int(part) for part in value.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise CommandError(f"--publish takes a month as YYYY-MM, not {value!r}") from None
    return first, first.replace(day=calendar.monthrange(year, month)[1])


class Command(BaseCommand):
    help = ("Render PDFs in background jobs: every published document without one "
            "(--missing), or the drafts of a month published first (--publish YYYY-MM).")

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--missing", action="store_true",
                          help="Published documents without a PDF (the default).")
        what.add_argument("--publish", metavar="YYYY-MM",
                          help="Publish the drafts issued in this month and render them.")
        parser.add_argument("--organization", metavar="CODE",
                            help="Only this organization (its client code).")
        parser.add_argument("--wait", action="store_true",
                            help="Print the progress until the batch finishes.")

    def handle(self, *args, missing=False, publish=None, organization=None, wait=False,
               **options):
        org = None
        if organization:
            org = Organization.objects.filter(client_code=organization).first()
            if org is None:
                raise CommandError(f"No organization with the client code {organization!r}.")
        if publish:
            start, end = _month(publish)
            docs, period = pdf_batch.drafts_of(start, end, org), publish
        else:
            docs, period = pdf_batch.missing_pdfs(org), ""
        self._tty = self.stdout.isatty()
        self._last_plain = 0.0
        inline = settings.JOBS_INLINE
        batch = pdf_batch.start(docs, by=None, publish=bool(publish), organization=org,
                                period=period, now=inline, progress=self._show)
        if inline:
            self._show(batch, final=True)
            return
        self.stdout.write(f"PDF batch {batch.pk} started: {batch.total} documents in "
                          f"{batch.chunks} jobs on the queue {batch.queue!r}.")
        if wait:
            while batch.is_active:
                time.sleep(POLL_SECONDS)
                batch.refresh_from_db()
                self._show(batch)
            self._show(batch, final=True)

    def _show(self, batch, final=False):
        line = progress_line(batch, timezone.now())
        if self._tty:
            # Redrawn in place: carriage return, the line, erase to its end.
            self.stdout.write(f"\r{line}\033[K", ending="\n" if final else "")
            self.stdout.flush()
            return
        now = time.monotonic()
        if final or now - self._last_plain >= PLAIN_EVERY_SECONDS:
            self._last_plain = now
            self.stdout.write(line)
