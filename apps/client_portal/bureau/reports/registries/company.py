"""The company register: JSON REST, ``GET /company/v1/companies/<IDNO>`` with a bearer token."""

from __future__ import annotations

import urllib.request
from urllib.parse import quote

from .base import Adapter, Answer, RegistryError

FIELDS = ("name", "legal_form", "registered_on", "status", "address", "administrators",
          "activities")


class CompanyRegister(Adapter):
    kind = "company"

    def lookup(self, identifier: str) -> Answer:
        request = urllib.request.Request(  # noqa: S310
            f"{self.base_url}/company/v1/companies/{quote(identifier)}",
            headers={"Authorization": f"Bearer {self.options.get('COMPANY_TOKEN', '')}",
                     "Accept": "application/json"})
        status, _headers, body = self._send(request, ok=(200, 404))
        data = self._json(body)
        if status == 404:
            if data.get("error") != "not_found":
                raise RegistryError("unexpected 404 from the company register")
            return Answer(False, {"idno": identifier})
        if data.get("idno") != identifier:
            raise RegistryError("the company register answered about another company")
        result = {"idno": identifier, **{k: data.get(k) for k in FIELDS}}
        return Answer(True, result, str(data.get("name") or ""))
