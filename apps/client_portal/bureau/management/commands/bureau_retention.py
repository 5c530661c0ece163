"""Daily upkeep (run from cron): remove debts whose last update is more than five years
old, and mark refused the imports whose worker died mid-way."""

from django.core.management.base import BaseCommand

from apps.client_portal.bureau import services


class Command(BaseCommand):
    help = "Remove every version of debts not updated for five years; one audit event per client."

    def handle(self, *args, **options):
        stale = services.fail_stale_imports()
        if stale:
            self.stdout.write(f"Marked {stale} imports whose worker died as refused.")
        removed = services.sweep_expired_debts()
        self.stdout.write(f"Removed {removed} debt versions older than "
                          f"{services.retention_cutoff():%Y-%m-%d}.")
