"""Stand-ins for the three registers, for the demo and the tests; never a real register.

One WSGI app speaks the protocols of ``population.py`` (SOAP), ``company.py``
(REST with a bearer token) and ``tax.py`` (signed JSON) on the loopback
interface. Every answer is invented: a known demo subject from the tables
below, any other valid identifier a fictional person or company made up from
its digits, and the identifiers in ``NOT_FOUND`` are unknown to the registers.
Its credentials are published here, so ``registries.options`` uses it only on
a demo or test site.

``shared_fake_url()`` serves it in a daemon thread of this process (once);
``running_fake_registries()`` serves a fresh one for a test.
"""

from __future__ import annotations

import hmac
import json
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

from ..identifiers import validate
from . import population
from .base import RegistryError
from .tax import signature

FAKE_CREDENTIALS = {
    "REQUESTER": "fake-bureau",
    "COMPANY_TOKEN": "fake-company-token-not-a-secret",
    "TAX_KEY": "fake-tax-key-not-a-secret",
}
# Identifiers the fake registers do not know (valid check digits).
NOT_FOUND = {"2000000000004", "1000000000007"}
PEOPLE = {
    "2003012345673": ("Ion", "Rusu", "1984-03-12", "Str. Exemplu 10, Chișinău"),
    "2009012345125": ("Maria", "Ceban", "1990-11-02", "Bd. Demo 4, Bălți"),
}
COMPANIES = {
    "1003600123459": ("Exemplu Construct SRL", "SRL", "2012-05-14", "active", "5200.00"),
    "1013600543214": ("Demo Agro SA", "SA", "2004-09-30", "active", "0.00"),
}
FIRST = ["Andrei", "Elena", "Victor", "Natalia", "Sergiu", "Ana", "Mihai", "Irina"]
LAST = ["Lungu", "Moraru", "Popa", "Cojocaru", "Rotaru", "Munteanu", "Bălan", "Sandu"]
WORDS = ["Nord", "Vita", "Prut", "Codru", "Dava", "Lumen", "Agro", "Tehno"]


def _digit(value: str, index: int) -> int:
    return int(value[index % len(value)])


def person(idnp: str) -> dict | None:
    if idnp in NOT_FOUND:
        return None
    first, last, born, address = PEOPLE.get(idnp) or (
        FIRST[_digit(idnp, 5)], LAST[_digit(idnp, 7) % len(LAST)],
        f"19{60 + _digit(idnp, 3) * 3}-0{1 + _digit(idnp, 4) % 9}-1{_digit(idnp, 6)}",
        f"Str. Fictivă {1 + _digit(idnp, 8) * 7}, Chișinău")
    return {"LastName": last, "FirstName": first, "BirthDate": born, "Status": "alive",
            "DocumentNumber": f"B{idnp[3:11]}", "DocumentValidTo": "2031-06-30",
            "Address": address}


def company(idno: str) -> dict | None:
    if idno in NOT_FOUND:
        return None
    name, form, registered, status, arrears = COMPANIES.get(idno) or (
        f"{WORDS[_digit(idno, 6)]} {WORDS[_digit(idno, 9)]} SRL", "SRL",
        f"20{10 + _digit(idno, 4)}-0{1 + _digit(idno, 5) % 9}-2{_digit(idno, 7) % 8}",
        "active", f"{_digit(idno, 8) * 150}.00")
    return {"idno": idno, "name": name, "legal_form": form, "registered_on": registered,
            "status": status, "address": "Str. Exemplu 1, Chișinău",
            "administrators": ["Persoană Fictivă"], "activities": ["64.92"],
            "arrears": arrears}


class FakeRegistries:
    """The WSGI app. ``requests`` keeps what it was asked (for tests)."""

    def __init__(self, credentials: dict | None = None):
        self.credentials = {**FAKE_CREDENTIALS, **(credentials or {})}
        self.requests: list[tuple[str, str]] = []

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        self.requests.append((method, path))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, 100_000)) if length else b""
        if method == "POST" and path == "/population/soap":
            status, headers, content = self.population(environ, body)
        elif method == "GET" and path.startswith("/company/v1/companies/"):
            status, headers, content = self.company(environ, path.rsplit("/", 1)[-1])
        elif method == "POST" and path == "/tax/v2/taxpayer-status":
            status, headers, content = self.tax(environ, body)
        else:
            status, headers, content = _json(404, {"error": "no_such_endpoint"})
        start_response(status, headers)
        return [content]

    # --- SOAP -----------------------------------------------------------------------
    def population(self, environ, body):
        if environ.get("HTTP_SOAPACTION", "").strip('"') != population.ACTION:
            return _fault("Client", "Unknown SOAPAction")
        try:
            root = population.parse_xml(body)
        except RegistryError:
            return _fault("Client", "Malformed request")
        if root.findtext(f".//{{{population.NS}}}Requester") != self.credentials["REQUESTER"]:
            return _fault("Client", "Unknown requester")
        idnp = (root.findtext(f".//{{{population.NS}}}IDNP") or "").strip()
        try:
            validate("person", idnp)
        except Exception:  # noqa: BLE001 - any invalid IDNP is the client's fault
            return _fault("Client", "Invalid IDNP")
        data = person(idnp)
        ns = population.NS
        if data is None:
            inner = f'<p:Person found="false"><p:IDNP>{idnp}</p:IDNP></p:Person>'
        else:
            fields = "".join(f"<p:{k}>{escape(v)}</p:{k}>" for k, v in data.items())
            inner = f'<p:Person found="true"><p:IDNP>{idnp}</p:IDNP>{fields}</p:Person>'
        xml = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
               f'xmlns:soap="{population.SOAP}" xmlns:p="{ns}"><soap:Body>'
               f'<p:GetPersonResponse>{inner}</p:GetPersonResponse></soap:Body>'
               f'</soap:Envelope>').encode()
        return _reply(200, "text/xml; charset=utf-8", xml)

    # --- REST -----------------------------------------------------------------------
    def company(self, environ, idno):
        expected = f"Bearer {self.credentials['COMPANY_TOKEN']}"
        if not hmac.compare_digest(environ.get("HTTP_AUTHORIZATION", ""), expected):
            return _json(401, {"error": "unauthorized"})
        try:
            validate("company", idno)
        except Exception:  # noqa: BLE001
            return _json(400, {"error": "invalid_idno"})
        data = company(idno)
        if data is None:
            return _json(404, {"error": "not_found"})
        return _json(200, {k: v for k, v in data.items() if k != "arrears"})

    # --- signed JSON ------------------------------------------------------------------
    def tax(self, environ, body):
        key = self.credentials["TAX_KEY"]
        if not hmac.compare_digest(environ.get("HTTP_X_SIGNATURE", ""), signature(key, body)):
            return _json(401, {"error": "bad_signature"})
        try:
            request = json.loads(body)
            code = validate("company", request["fiscal_code"])
        except Exception:  # noqa: BLE001
            return _json(400, {"error": "invalid_request"})
        data = company(code)
        if data is None:
            answer, status = {"request_id": request.get("request_id"), "error": "not_found"}, 404
        else:
            answer, status = {"request_id": request.get("request_id"), "name": data["name"],
                              "status": data["status"], "vat_payer": code[-1] in "02468",
                              "arrears": data["arrears"], "currency": "MDL",
                              "last_declaration_on": "2026-10-25"}, 200
        content = json.dumps(answer).encode()
        return _reply(status, "application/json", content,
                      [("X-Signature", signature(key, content))])


_REASONS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized",
            404: "404 Not Found", 500: "500 Internal Server Error"}


def _reply(status, content_type, content, extra=()):
    return _REASONS[status], [("Content-Type", content_type),
                              ("Content-Length", str(len(content))), *extra], content


def _json(status, data):
    return _reply(status, "application/json", json.dumps(data).encode())


def _fault(code, text):
    xml = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
           f'xmlns:soap="{population.SOAP}"><soap:Body><soap:Fault>'
           f'<faultcode>soap:{code}</faultcode><faultstring>{escape(text)}</faultstring>'
           f'</soap:Fault></soap:Body></soap:Envelope>').encode()
    return _reply(500, "text/xml; charset=utf-8", xml)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def make_fake_server(app: FakeRegistries | None = None, *, host="127.0.0.1", port=0):
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError("the fake registers listen on the loopback interface only")
    return make_server(host, port, app or FakeRegistries(), server_class=_Server,
                       handler_class=_Quiet)


class running_fake_registries:
    """``with running_fake_registries() as (base_url, app):`` serves one in a thread."""

    def __init__(self, app: FakeRegistries | None = None):
        self.app = app or FakeRegistries()

    def __enter__(self):
        self.server = make_fake_server(self.app)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}", self.app

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


_shared: dict = {}
_shared_lock = threading.Lock()


def shared_fake_url() -> str:
    """The address of this process's fake registers, started on first use."""
    with _shared_lock:
        if "url" not in _shared:
            runner = running_fake_registries()
            _shared["url"], _shared["app"] = runner.__enter__()
            _shared["runner"] = runner
        return _shared["url"]
