"""Make the site's demo signing material: a local CA, the provider's PKCS#12, a TSA
certificate, and a client's PKCS#12 to try certificate signing with.

A site with its own certificate (SIGNING_PKCS12_PATH) and timestamp server
(SIGNING_TSA_URL) needs none of it; the command then only reports what is set.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.client_portal.documents.signing import keys


class Command(BaseCommand):
    help = "Create the demo signing keys under sites/<site>/signing/ (once)."

    def handle(self, *args, **options):
        folder = keys.ensure_demo_material()
        client = keys.ensure_demo_client_key()
        own = getattr(settings, "SIGNING_PKCS12_PATH", "")
        self.stdout.write(f"Provider certificate: {own or folder / 'provider.p12'}")
        tsa_url = getattr(settings, "SIGNING_TSA_URL", "") or "local (loopback)"
        self.stdout.write(f"Timestamp server: {tsa_url}")
        self.stdout.write(f"Demo client key: {client} (password {keys.DEMO_CLIENT_PASSWORD})")
