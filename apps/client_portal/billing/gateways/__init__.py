"""Payment gateways by name, from ``settings.PAYMENT_GATEWAYS``.

Each entry names a ``BACKEND`` class and its options; secrets come from the
environment (see config/settings.py and docs/payments.md). A gateway whose
secrets are missing is simply not offered.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    BadSignature,
    Gateway,
    GatewayError,
    GatewayNotConfigured,
    Notification,
    from_minor_units,
    to_minor_units,
)

__all__ = [
    "BadSignature", "Gateway", "GatewayError", "GatewayNotConfigured", "Notification",
    "enabled_gateways", "from_minor_units", "get_gateway", "to_minor_units",
]


def _options(name: str) -> dict:
    try:
        options = dict(settings.PAYMENT_GATEWAYS[name])
    except (AttributeError, KeyError):
        raise GatewayNotConfigured(f"no payment gateway named {name!r}") from None
    if options.get("FAKE"):
        from .fake_server import FAKE_MERCHANT, fake_gateway_allowed

        # The fake's credentials are published: never on a site that is not a demo.
        if not fake_gateway_allowed():
            raise GatewayNotConfigured(f"payment gateway {name!r} uses the fake gateway, which "
                                       "serves demo and test sites only")
        for key, value in FAKE_MERCHANT.items():
            options[key] = options.get(key) or value
    return options


def get_gateway(name: str) -> Gateway:
    """The configured gateway ``name``; ``GatewayNotConfigured`` if absent or incomplete."""
    options = _options(name)
    backend = import_string(options["BACKEND"])
    return backend(name, options)


def enabled_gateways() -> list[Gateway]:
    """The gateways a client may choose from, in the order of the settings."""
    result = []
    for name in getattr(settings, "PAYMENT_GATEWAYS", {}):
        try:
            result.append(get_gateway(name))
        except GatewayNotConfigured:
            continue
    return result
