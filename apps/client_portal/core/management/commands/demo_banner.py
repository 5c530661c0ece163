import json

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo's addresses and logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        base = f"http://127.0.0.1:{options['port']}"
        path = settings.SITE_DIR / "logins.json"
        logins = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"Client Portal demo: {base}/"))
        out.write(f"  back office: {base}/admin/   API docs: {base}/api/docs/")
        out.write(f"  logins ({path}):")
        for item in logins:
            where = item["organization"] or "back office"
            out.write(f"    {item['email']:<32} {item['password']}  {item['role']:<28} {where}")
        out.write("")
