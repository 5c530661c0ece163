"""Remind signers whose turn it is, and expire requests past their deadline.

Run it from cron (daily is enough): ``manage.py signing_reminders``.
"""

from django.core.management.base import BaseCommand

from apps.client_portal.documents.signing import services


class Command(BaseCommand):
    help = "Send the signature reminders that are due; expire requests past their deadline."

    def handle(self, *args, **options):
        count = services.send_reminders()
        self.stdout.write(f"Reminders sent: {count}.")
