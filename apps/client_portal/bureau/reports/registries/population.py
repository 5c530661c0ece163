"""The population register: SOAP 1.1, ``GetPerson`` by IDNP."""

from __future__ import annotations

import urllib.request
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from .base import Adapter, Answer, RegistryError

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:md:asp:population:v1"
ACTION = f"{NS}#GetPerson"
FIELDS = ("LastName", "FirstName", "BirthDate", "Status", "DocumentNumber", "DocumentValidTo",
          "Address")


def envelope(idnp: str, requester: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:p="{NS}">'
            f'<soap:Header><p:Requester>{escape(requester)}</p:Requester></soap:Header>'
            f'<soap:Body><p:GetPerson><p:IDNP>{escape(idnp)}</p:IDNP></p:GetPerson>'
            f'</soap:Body></soap:Envelope>').encode()


def parse_xml(body: bytes) -> ElementTree.Element:
    """Parse a SOAP message; a DOCTYPE (and with it any entity) is refused outright."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise RegistryError("a SOAP message may not declare a DOCTYPE")
    try:
        # The DOCTYPE check above rules out entities (billion laughs, external ones).
        return ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise RegistryError("the register's answer is not XML") from exc


class PopulationRegister(Adapter):
    kind = "population"

    def lookup(self, identifier: str) -> Answer:
        request = urllib.request.Request(  # noqa: S310
            f"{self.base_url}/population/soap", method="POST",
            data=envelope(identifier, self.options.get("REQUESTER", "")),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}"'})
        _status, _headers, body = self._send(request, ok=(200, 500))
        root = parse_xml(body)
        fault = root.find(f".//{{{SOAP}}}Fault")
        if fault is not None:
            raise RegistryError(f"SOAP fault: {fault.findtext('faultstring', '')}")
        person = root.find(f".//{{{NS}}}Person")
        if person is None:
            raise RegistryError("no Person element in the answer")
        if person.get("found") != "true":
            return Answer(False, {"idnp": identifier})
        data = {"idnp": identifier}
        for name in FIELDS:
            data[name] = (person.findtext(f"{{{NS}}}{name}") or "").strip()
        full = " ".join(p for p in (data["FirstName"], data["LastName"]) if p)
        return Answer(True, data, full)
