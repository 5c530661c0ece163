"""Look-ups in state registers: one interface, one adapter per register.

- ``population``: the population register (a person by IDNP), SOAP 1.1 over HTTP.
- ``company``: the company register (a company by IDNO), a JSON REST API with a bearer token.
- ``tax``: the tax authority's taxpayer status (a company by IDNO), JSON over HTTP,
  each request and answer signed with HMAC-SHA256.

Where they answer comes from ``settings.BUREAU_REGISTRIES`` (``BASE_URL`` and the
credentials). Without a ``BASE_URL`` a demo or test site (``DEBUG``, or a site
named "demo" or "test...") is served by the local fake (``fake_server.py``),
which speaks the three protocols on the loopback interface; any other site
answers that the registers are not configured.

A look-up takes one unit of the ``lookups`` quota, in the transaction that
stores its answer: a register that does not answer takes nothing and stores
nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.errors import Refused

from .. import quota
from ..models import Service
from .base import Adapter, RegistryError, RegistryNotConfigured
from .company import CompanyRegister
from .population import PopulationRegister
from .tax import TaxAuthority

ADAPTERS: dict[str, type[Adapter]] = {
    "population": PopulationRegister, "company": CompanyRegister, "tax": TaxAuthority,
}
UNAVAILABLE = _("The register did not answer. Nothing was ordered; please try again later.")
NOT_CONFIGURED = _("Look-ups in this register are not available on this site.")


def fake_allowed() -> bool:
    name = str(getattr(settings, "SITE_NAME", "")).lower()
    return bool(settings.DEBUG) or name == "demo" or name.startswith("test")


def options() -> dict:
    configured = dict(getattr(settings, "BUREAU_REGISTRIES", {}) or {})
    if configured.get("BASE_URL"):
        return configured
    if not fake_allowed():
        raise RegistryNotConfigured("no BUREAU_REGISTRIES['BASE_URL'] on a site that is "
                                    "not a demo")
    from .fake_server import FAKE_CREDENTIALS, shared_fake_url

    return {**FAKE_CREDENTIALS, "BASE_URL": shared_fake_url()}


def get_adapter(kind: str) -> Adapter:
    return ADAPTERS[kind](options())


def complete_lookup(lookup) -> None:
    """Take the quota, ask the register, store its answer: all or nothing."""
    with transaction.atomic():
        quota.take(lookup.organization, Service.LOOKUPS)
        try:
            answer = get_adapter(lookup.kind).lookup(lookup.subject_id)
        except RegistryNotConfigured:
            raise Refused(NOT_CONFIGURED, code="unavailable") from None
        except RegistryError:
            raise Refused(UNAVAILABLE, code="unavailable") from None
        lookup.found = answer.found
        lookup.result = answer.data
        lookup.subject_name = lookup.subject_name or answer.name
        lookup._completing = True
        try:
            lookup.save(update_fields=["found", "result", "subject_name"])
        finally:
            lookup._completing = False
