"""Time: the RFC 3161 timestamp server the signatures use.

``SIGNING_TSA_URL`` names a site's server. Without one, the local authority
(pyHanko's ``DummyTimeStamper`` with the demo TSA certificate of ``keys.py``)
is served over HTTP on the loopback, in a thread of this process, so that the
same HTTP client talks to either. A server that does not answer stops the
signature with a clear refusal: no signature ever falls back to a bare time.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.errors import Refused

from . import keys

_lock = threading.Lock()
_server = None


class _Handler(BaseHTTPRequestHandler):
    stamper = None

    def do_POST(self):  # noqa: N802
        from asn1crypto import tsp

        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > 64 * 1024:
            self.send_error(400)
            return
        try:
            request = tsp.TimeStampReq.load(self.rfile.read(length))
            body = self.stamper.request_tsa_response(request).dump()
        except Exception:  # a malformed request: no token
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


def local_url() -> str:
    """The address of the local authority, started on first use."""
    global _server
    with _lock:
        if _server is None:
            from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

            material = keys.material()
            handler = type("TSAHandler", (_Handler,), {"stamper": DummyTimeStamper(
                tsa_cert=material.tsa_cert, tsa_key=material.tsa_key,
                certs_to_embed=[material.tsa_cert])})
            _server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            _server.daemon_threads = True
            threading.Thread(target=_server.serve_forever, daemon=True,
                             name="signing-tsa").start()
        host, port = _server.server_address[:2]
        return f"http://{host}:{port}/"


def url() -> str:
    return getattr(settings, "SIGNING_TSA_URL", "") or local_url()


def timestamper():
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url(), timeout=10)


def unavailable() -> Refused:
    return Refused(_("The timestamp server did not answer, so nothing was signed. "
                     "Please try again in a few minutes."), code="unavailable")
