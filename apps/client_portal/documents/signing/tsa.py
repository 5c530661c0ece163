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
    # Headers and body go out as two writes: without this, Nagle's algorithm and the
    # client's delayed ACK hold the body back some 40 ms per stamp.
    disable_nagle_algorithm = True

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


def _local_stamper(base, material):
    """pyHanko's test authority, signing with a key loaded once (not once per stamp)."""
    from asn1crypto import cms, core
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute

    private_key = keys.loaded_key(material.tsa_key)

    class LocalStamper(base):
        def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
            digest = hashes.Hash(getattr(hashes, md_algorithm.upper().replace("-", ""))())
            digest.update(tst_info_data)
            attributes = cms.CMSAttributes([
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate",
                                     as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ])
            algorithm = getattr(hashes, md_algorithm.upper().replace("-", ""))()
            return private_key.sign(attributes.dump(), PKCS1v15(), algorithm), attributes

    return LocalStamper(tsa_cert=material.tsa_cert, tsa_key=material.tsa_key,
                        certs_to_embed=[material.tsa_cert])


def local_url() -> str:
    """The address of the local authority, started on first use."""
    global _server
    with _lock:
        if _server is None:
            from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

            material = keys.material()
            handler = type("TSAHandler", (_Handler,), {"stamper": _local_stamper(
                DummyTimeStamper, material)})
            _server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            _server.daemon_threads = True
            threading.Thread(target=_server.serve_forever, daemon=True,
                             name="signing-tsa").start()
        host, port = _server.server_address[:2]
        return f"http://{host}:{port}/"


def url() -> str:
    configured = getattr(settings, "SIGNING_TSA_URL", "")
    if configured:
        return configured
    if keys.material().tsa_key is None:
        # A site with a certificate of its own and no timestamp server: never a bare time.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "Sealing needs a timestamp server: set SIGNING_TSA_URL (docs/signing.md).")
    return local_url()


_ssl_context = None
_pool = None


def _executor():
    """One small thread pool for the blocking HTTP call (each asyncio.run would
    otherwise start, and stop, a pool of its own)."""
    global _pool
    if _pool is None:
        import concurrent.futures

        with _lock:
            if _pool is None:
                _pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="tsa-client")
    return _pool


def _post(address: str, body: bytes, timeout: float) -> bytes:
    """POST a time-stamp query (RFC 3161 over HTTP) and return the reply's bytes."""
    global _ssl_context
    import http.client
    import ssl
    from urllib.parse import urlsplit

    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    parts = urlsplit(address)
    try:
        if parts.scheme == "https":
            if _ssl_context is None:
                _ssl_context = ssl.create_default_context()
            conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443,
                                               timeout=timeout, context=_ssl_context)
        elif parts.scheme == "http":
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        else:
            raise TimestampRequestError(f"unsupported timestamp server address {address!r}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body,
                     headers={"Content-Type": "application/timestamp-query",
                              "Accept": "application/timestamp-reply"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        raise TimestampRequestError(f"timestamp server unreachable: {exc}") from exc
    if response.status != 200 or \
            response.getheader("Content-Type", "").split(";")[0] != "application/timestamp-reply":
        raise TimestampRequestError(f"timestamp server answered {response.status}")
    return data


def timestamper():
    """An RFC 3161 client for the configured server (one plain HTTP POST a stamp)."""
    import asyncio

    from asn1crypto import tsp
    from pyhanko.sign.timestamps.api import TimeStamper

    address = url()
    timeout = float(getattr(settings, "SIGNING_TSA_TIMEOUT", 10))

    class _Client(TimeStamper):
        async def async_request_tsa_response(self, req):
            loop = asyncio.get_running_loop()
            data = await loop.run_in_executor(_executor(), _post, address, req.dump(), timeout)
            return tsp.TimeStampResp.load(data)

    return _Client()


def unavailable() -> Refused:
    return Refused(_("The timestamp server did not answer, so nothing was signed. "
                     "Please try again in a few minutes."), code="unavailable")
