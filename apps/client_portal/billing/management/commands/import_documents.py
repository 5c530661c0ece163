from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.client_portal.billing.importer import import_documents


class Command(BaseCommand):
    help = "Import financial documents from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--publish", action="store_true",
                            help="Publish the new documents (render PDFs, notify clients).")

    def handle(self, *args, path, publish, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        with file.open("rb") as handle:  # read row by row, never whole
            result = import_documents(handle, file.name, publish=publish)
        if not result.ok:
            for e in result.errors:
                self.stderr.write(f"line {e['line']}, {e['field'] or '-'}: {e['message']}")
            raise CommandError(f"Refused: {len(result.errors)} problems; nothing imported.")
        if result.already_imported:
            self.stdout.write("This file was imported before; nothing created.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"{result.created} documents created, {result.skipped} already present."))
