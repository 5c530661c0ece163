import json
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.client_portal.core import demo, notify
from apps.client_portal.core.models import Organization


def demo_modules():
    """``<app>.demo`` modules of our apps, core first, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps.client_portal."):
            continue
        try:
            modules.append(import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return modules


def seed_all(rows=60):
    ctx = demo.DemoContext(rows=rows)
    # Notices land in the demo inboxes; no email goes to the invented addresses (the
    # events' listeners run when the transaction commits, still inside).
    with notify.without_email(), transaction.atomic():
        for module in demo_modules():
            module.seed(ctx)
    return ctx


class Command(BaseCommand):
    help = "Fill an empty database with plainly fictional demo data and write the logins."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=60,
                            help="Roughly how many records of each kind per organization.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when organizations already exist.")
        parser.add_argument("--logins", default=str(settings.SITE_DIR / "logins.json"),
                            help="Where to write the demo logins as JSON.")

    def handle(self, *args, **options):
        if Organization.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; nothing to do.")
                return
            raise CommandError("The database already has organizations; use a fresh one.")
        ctx = seed_all(rows=options["rows"])
        path = options["logins"]
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(ctx.logins, handle, indent=2, ensure_ascii=False)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created: {len(ctx.organizations)} organizations, "
            f"{len(ctx.users)} users. Logins written to {path}."
        ))
