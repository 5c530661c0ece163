"""Serve the fake redirect-style payment gateway on the loopback interface."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.client_portal.billing.gateways.fake_server import (
    FAKE_MERCHANT,
    FakeGatewayApp,
    fake_gateway_allowed,
    make_fake_server,
)


class Command(BaseCommand):
    help = ("Serve the fake payment gateway (the redirect protocol) on 127.0.0.1 for demos "
            "and tests. Point the portal at it with REDIRECT_GATEWAY_URL=http://127.0.0.1:<port> "
            "and the fake's credentials (see docs/payments.md).")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--merchant-id", default=FAKE_MERCHANT["MERCHANT_ID"])
        parser.add_argument("--pos-id", default=FAKE_MERCHANT["POS_ID"])
        parser.add_argument("--crc", default=FAKE_MERCHANT["CRC"])
        parser.add_argument("--api-key", default=FAKE_MERCHANT["API_KEY"])
        parser.add_argument("--portal", action="append", dest="portals", metavar="ORIGIN",
                            help="The portal's origin, where notifications and customers may "
                                 "go (repeatable); PORTAL_BASE_URL unless given.")

    def handle(self, *args, **options):
        if not fake_gateway_allowed():
            raise CommandError("The fake gateway serves demo and test sites only: set "
                               "FAKE_GATEWAY_ENABLED on a site run with DEBUG or named "
                               "demo or test...")
        portals = options["portals"] or [settings.PORTAL_BASE_URL]
        app = FakeGatewayApp(merchant_id=options["merchant_id"], pos_id=options["pos_id"],
                             crc=options["crc"], api_key=options["api_key"],
                             portal_origins=portals)
        server = make_fake_server(app, port=options["port"], quiet=False)
        host, port = server.server_address[:2]
        self.stdout.write(f"Fake payment gateway on http://{host}:{port}/ for "
                          f"{', '.join(portals)} (Ctrl+C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
