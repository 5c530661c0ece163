"""A minimal SAML 2.0 identity provider for tests, served over HTTP on 127.0.0.1.

``/metadata`` describes it; ``/sso`` takes an AuthnRequest (HTTP-Redirect
binding) and answers with the auto-submitting form of the HTTP-POST binding,
carrying a Response for ``provider.identity`` whose assertion is signed
(RSA-SHA256) with a self-signed certificate made at start. ``mode`` makes the
answer unsigned or signed with another key, for the refusal tests.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import secrets
import threading
import zlib
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML


def self_signed(common_name: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, cert_pem


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class SamlIdentityProvider:
    def __init__(self):
        self.key, self.cert = self_signed("Test eID")
        self.other_key, self.other_cert = self_signed("Someone else")
        self.identity: dict = {}
        self.name_id = ""
        self.mode = "signed"  # "signed", "unsigned" or "wrong_key"
        self.requests: list[dict] = []
        self._server = None
        self._thread = None

    def start(self) -> SamlIdentityProvider:
        self._server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def entity_id(self) -> str:
        return f"{self.url}/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.url}/sso"

    @property
    def x509cert(self) -> str:
        return OneLogin_Saml2_Utils.format_cert(self.cert, heads=False)

    def metadata(self) -> str:
        return (
            f'<md:EntityDescriptor xmlns:md="{C.NS_MD}" entityID="{self.entity_id}">'
            f'<md:IDPSSODescriptor protocolSupportEnumeration="{C.NS_SAMLP}">'
            f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{C.NS_DS}"><ds:X509Data>'
            f"<ds:X509Certificate>{self.x509cert}</ds:X509Certificate>"
            f"</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f'<md:SingleSignOnService Binding="{C.BINDING_HTTP_REDIRECT}" '
            f'Location="{self.sso_url}"/>'
            f"</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    @staticmethod
    def read_request(saml_request: str) -> dict:
        xml = zlib.decompress(base64.b64decode(saml_request), -15)
        root = OneLogin_Saml2_XML.to_etree(xml)
        issuer = OneLogin_Saml2_XML.query(root, "//saml:Issuer")[0].text
        return {"id": root.get("ID"), "acs": root.get("AssertionConsumerServiceURL"),
                "sp": issuer}

    def response(self, request: dict) -> str:
        """A base64 SAML Response answering ``request`` for the current identity."""
        now = dt.datetime.now(dt.UTC)
        later = _instant(now + dt.timedelta(minutes=5))
        response_id = "_" + secrets.token_hex(16)
        assertion_id = "_" + secrets.token_hex(16)
        attributes = "".join(
            f'<saml:Attribute Name="{html.escape(name)}" '
            f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">'
            f"<saml:AttributeValue>{html.escape(str(value))}</saml:AttributeValue>"
            f"</saml:Attribute>"
            for name, value in self.identity.items()
        )
        statement = (
            f"<saml:AttributeStatement>{attributes}</saml:AttributeStatement>" if attributes else ""
        )
        assertion = (
            f'<saml:Assertion xmlns:saml="{C.NS_SAML}" ID="{assertion_id}" Version="2.0" '
            f'IssueInstant="{_instant(now)}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            f"<saml:Subject>"
            f'<saml:NameID Format="{C.NAMEID_EMAIL_ADDRESS}">{html.escape(self.name_id)}'
            f"</saml:NameID>"
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{request["acs"]}" '
            f'InResponseTo="{request["id"]}"/>'
            f"</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{_instant(now - dt.timedelta(minutes=1))}" '
            f'NotOnOrAfter="{later}">'
            f"<saml:AudienceRestriction><saml:Audience>{request['sp']}</saml:Audience>"
            f"</saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="{assertion_id}">'
            f"<saml:AuthnContext><saml:AuthnContextClassRef>"
            f"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            f"</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            f"{statement}</saml:Assertion>"
        )
        if self.mode != "unsigned":
            key, cert = (self.key, self.cert) if self.mode == "signed" else (
                self.other_key, self.other_cert)
            assertion = OneLogin_Saml2_Utils.add_sign(
                assertion, key, cert, sign_algorithm=C.RSA_SHA256, digest_algorithm=C.SHA256,
            )
            if isinstance(assertion, bytes):
                assertion = assertion.decode()
            assertion = re.sub(r"^<\?xml[^>]*>\s*", "", assertion)
        document = (
            f'<samlp:Response xmlns:samlp="{C.NS_SAMLP}" xmlns:saml="{C.NS_SAML}" '
            f'ID="{response_id}" Version="2.0" IssueInstant="{_instant(now)}" '
            f'Destination="{request["acs"]}" InResponseTo="{request["id"]}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="{C.STATUS_SUCCESS}"/></samlp:Status>'
            f"{assertion}</samlp:Response>"
        )
        return base64.b64encode(document.encode()).decode()

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/metadata":
            body, kind = self.metadata(), "application/samlmetadata+xml"
            status = "200 OK"
        elif path == "/sso" and "SAMLRequest" in query:
            request = self.read_request(query["SAMLRequest"])
            self.requests.append(request)
            relay = html.escape(query.get("RelayState", ""))
            body = (
                f'<html><body><form method="post" action="{html.escape(request["acs"])}">'
                f'<input type="hidden" name="SAMLResponse" value="{self.response(request)}">'
                f'<input type="hidden" name="RelayState" value="{relay}">'
                f"</form></body></html>"
            )
            kind, status = "text/html", "200 OK"
        else:
            body, kind, status = "not found", "text/plain", "404 Not Found"
        data = body.encode()
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data)))])
        return [data]
