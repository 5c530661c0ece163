"""Remove debts whose last update is more than five years old (run daily from cron)."""

from django.core.management.base import BaseCommand

from apps.client_portal.bureau import services


class Command(BaseCommand):
    help = "Remove every version of debts not updated for five years; one audit event per client."

    def handle(self, *args, **options):
        removed = services.sweep_expired_debts()
        self.stdout.write(f"Removed {removed} debt versions older than "
                          f"{services.retention_cutoff():%Y-%m-%d}.")
