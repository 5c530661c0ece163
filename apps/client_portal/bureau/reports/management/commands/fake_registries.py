"""Serve the fake registers (population, company, tax) on the loopback interface."""

from django.core.management.base import BaseCommand, CommandError

from ...registries import fake_allowed
from ...registries.fake_server import FAKE_CREDENTIALS, FakeRegistries, make_fake_server


class Command(BaseCommand):
    help = ("Serve the fake population register, company register and tax authority on "
            "127.0.0.1 for demos and tests. Point the portal at it with BUREAU_REGISTRIES = "
            "{'BASE_URL': 'http://127.0.0.1:<port>', ...the fake's credentials} "
            "(docs/bureau.md); without a BASE_URL a demo site starts one by itself.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8766)

    def handle(self, *args, **options):
        if not fake_allowed():
            raise CommandError("The fake registers serve demo and test sites only (DEBUG, "
                               "or a site named demo or test...).")
        server = make_fake_server(FakeRegistries(), port=options["port"])
        host, port = server.server_address[:2]
        self.stdout.write(f"Fake registers on http://{host}:{port}/ with the credentials "
                          f"{FAKE_CREDENTIALS} (Ctrl+C stops them)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
