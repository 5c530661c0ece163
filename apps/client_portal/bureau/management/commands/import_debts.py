"""Import a file of debts: ``manage.py import_debts FILE --org C-2001 --format metro2``.

The same pipeline as the portal and the API (services.start_import/run_import),
run here in the foreground with a progress line: records done of the total,
rate and time left. Ctrl-C cancels: nothing of the file is kept.
"""

import sys
import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.client_portal.bureau import importer, services
from apps.client_portal.bureau.models import DebtImport
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Organization
from apps.client_portal.core.tenancy import Access


class Command(BaseCommand):
    help = "Import a CSV or Metro 2 file of debts for one client organization (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True,
                            help="the client organization's client code or UUID")
        parser.add_argument("--format", required=True, choices=["csv", "metro2"])
        parser.add_argument("--currency", default="MDL",
                            help="currency of a Metro 2 file's amounts (default MDL)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        code = options["org"]
        org = Organization.objects.filter(client_code=code).first()
        if org is None and len(code) == 36:
            org = Organization.objects.filter(uuid=code).first()
        if org is None:
            raise CommandError(f"No organization with client code {options['org']}")
        access = Access.provider(organization=org)
        with path.open("rb") as f:
            try:
                imp = services.start_import(access=access, upload=File(f, name=path.name),
                                            fmt=options["format"],
                                            currency=options["currency"], queue=False)
            except Refused as refusal:
                detail = "; ".join(m for ms in refusal.fields.values() for m in ms)
                raise CommandError(detail or str(refusal)) from None
        started = time.monotonic()
        err = self.stderr

        def show(done, total):
            elapsed = max(time.monotonic() - started, 0.001)
            rate = done / elapsed
            left = (total - done) / rate if rate else 0
            err.write(f"\r{done:,} of {total:,} records · {rate:,.0f}/s · {left:,.0f} s left ",
                      ending="")
            err.flush()

        try:
            services.run_import(imp.pk, on_progress=show)
        except KeyboardInterrupt:
            err.write("\nCancelled: nothing of the file was kept.")
            sys.exit(130)
        imp.refresh_from_db()
        err.write("")
        if imp.status == DebtImport.Status.DONE:
            self.stdout.write(f"Imported {imp.imported} records, {imp.unchanged} already "
                              f"present, of {imp.done_count} ({time.monotonic() - started:.1f} s).")
            return
        for e in imp.error_report[:50]:
            self.stdout.write(f"record {e['record']}, field {e['field']}: "
                              f"{importer.error_text(e)} (value {e['value']!r})")
        raise CommandError(f"Refused: nothing imported ({len(imp.error_report)} errors shown).")
