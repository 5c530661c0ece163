import json

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError


def load_roles():
    path = settings.BASE_DIR / "fixtures" / "roles.json"
    return json.loads(path.read_text(encoding="utf-8"))["groups"]


def sync_roles(stdout=None):
    """Create the staff groups and give each exactly the permissions listed."""
    for name, codes in load_roles().items():
        group, _created = Group.objects.get_or_create(name=name)
        if codes == ["*"]:
            perms = list(Permission.objects.all())
        else:
            perms = []
            for code in codes:
                app_label, codename = code.split(".", 1)
                perm = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if perm is None:
                    raise CommandError(f"unknown permission {code} in fixtures/roles.json")
                perms.append(perm)
        group.permissions.set(perms)
        if stdout:
            stdout.write(f"{name}: {len(perms)} permissions")


class Command(BaseCommand):
    help = "Create or update the back-office staff groups from fixtures/roles.json."

    def handle(self, *args, **options):
        sync_roles(self.stdout)
