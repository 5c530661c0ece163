import time

from django.core.management.base import BaseCommand

from apps.client_portal.api.webhooks import deliver_due


class Command(BaseCommand):
    help = ("Send the webhook deliveries that are due (retries, and first attempts a worker "
            "lost). Run it from cron every minute, or with --every to keep it running.")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, metavar="SECONDS",
                            help="Run again after this many seconds, until stopped.")

    def handle(self, *args, **options):
        while True:
            sent = deliver_due()
            if options["verbosity"] > 1 or (sent and not options["every"]):
                self.stdout.write(f"{sent} webhook deliveries attempted.")
            if not options["every"]:
                return
            time.sleep(options["every"])
