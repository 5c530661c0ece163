"""The interface every register adapter implements."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


class RegistryError(Exception):
    """The register did not answer, or answered something we cannot read."""


class RegistryNotConfigured(RegistryError):
    pass


@dataclass
class Answer:
    """A register's answer: whether the subject was found, its data (plain JSON values:
    codes, ISO dates, amounts as strings), and the subject's name where it gives one."""

    found: bool
    data: dict = field(default_factory=dict)
    name: str = ""


class Adapter:
    kind: str = ""
    timeout: float = 10.0

    def __init__(self, options: dict):
        self.options = options
        self.base_url = options["BASE_URL"].rstrip("/")
        self.timeout = float(options.get("TIMEOUT", self.timeout))

    def lookup(self, identifier: str) -> Answer:
        raise NotImplementedError

    def _send(self, request: urllib.request.Request, *, ok=(200,), limit=1_000_000):
        """(status, headers, body) of ``request``; statuses outside ``ok`` raise."""
        if not request.full_url.startswith(("http://", "https://")):
            raise RegistryError("the register's address is not http(s)")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.headers, response.read(limit)
        except urllib.error.HTTPError as exc:
            if exc.code in ok:
                return exc.code, exc.headers, exc.read(limit)
            raise RegistryError(f"{self.kind}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise RegistryError(f"{self.kind}: {exc}") from exc

    @staticmethod
    def _json(body: bytes) -> dict:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise RegistryError("the register's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise RegistryError("the register's answer is not a JSON object")
        return data
