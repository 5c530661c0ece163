"""The tax authority's taxpayer status: JSON over HTTP, HMAC-SHA256 signed both ways.

``POST /tax/v2/taxpayer-status`` with ``{"fiscal_code", "request_id", "timestamp"}``
and the header ``X-Signature: hex(HMAC-SHA256(key, body))``; the answer carries
the same header over its own body, and echoes the request id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
import uuid

from django.utils import timezone

from .base import Adapter, Answer, RegistryError

FIELDS = ("name", "status", "vat_payer", "arrears", "currency", "last_declaration_on")


def signature(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class TaxAuthority(Adapter):
    kind = "tax"

    def lookup(self, identifier: str) -> Answer:
        key = self.options.get("TAX_KEY", "")
        request_id = str(uuid.uuid4())
        body = json.dumps({"fiscal_code": identifier, "request_id": request_id,
                           "timestamp": timezone.now().isoformat()}).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.base_url}/tax/v2/taxpayer-status", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Signature": signature(key, body)})
        status, headers, answer = self._send(request, ok=(200, 404))
        if not hmac.compare_digest(headers.get("X-Signature", ""), signature(key, answer)):
            raise RegistryError("the tax authority's answer is not signed with our key")
        data = self._json(answer)
        if data.get("request_id") != request_id:
            raise RegistryError("the answer is for another request")
        if status == 404:
            return Answer(False, {"fiscal_code": identifier})
        result = {"fiscal_code": identifier, **{k: data.get(k) for k in FIELDS}}
        return Answer(True, result, str(data.get("name") or ""))
