"""The payment-gateway interface.

A gateway takes the customer away to pay (``start``) and later tells the portal,
server to server, how it went (``parse_notification``). The portal trusts only a
notification whose signature checks out; the page the customer comes back to is
never taken as proof of payment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

# Currencies whose smallest unit is the unit itself (ISO 4217 exponent 0).
ZERO_DECIMAL_CURRENCIES = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
                           "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}


class GatewayError(Exception):
    """The gateway could not be reached or refused the request."""


class BadSignature(GatewayError):
    """A notification whose signature does not match: not from the gateway."""


class GatewayNotConfigured(GatewayError):
    """No gateway of that name, or its secrets are missing."""


@dataclass(frozen=True)
class Notification:
    """What a gateway says happened to one payment intent, after its signature checked out."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # The customer gave up on the gateway's page (Cancel): nothing was charged.
    CANCELLED = "cancelled"

    intent_ref: str
    amount: Decimal
    currency: str
    status: str
    gateway_ref: str
    raw: dict = field(default_factory=dict)
    # Set when the notification concerns nothing the portal acts on (a Stripe event
    # type it does not listen to): acknowledged and audited, nothing changes.
    ignored: bool = False


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    scaled = (Decimal(amount) * (10 ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(value, currency: str) -> Decimal:
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    return (Decimal(int(value)) / (10 ** exponent)).quantize(Decimal("0.01"))


def gateway_label(name: str) -> str:
    """The human name of the gateway configured as ``name``, as clients read it."""
    from django.utils.translation import gettext

    from . import get_gateway

    try:
        return str(get_gateway(name).label)
    except GatewayError:
        # A gateway no longer configured: its settings key means nothing to a client.
        return gettext("Online payment")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def compact_json(data: dict) -> str:
    """JSON as the gateways sign it: no spaces, unescaped unicode and slashes."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Gateway:
    """One configured payment gateway; subclasses speak one protocol.

    ``name`` is the key in ``settings.PAYMENT_GATEWAYS``; it is also the payment
    method written on the payment records the gateway's notifications create.
    """

    # What clients read for this gateway (on the pay page, an attempt's list): the
    # configured LABEL, else the class's label; never the settings key.
    label: Any = ""
    required_options: tuple[str, ...] = ()

    def __init__(self, name: str, options: dict):
        self.name = name
        self.options = options
        missing = [key for key in self.required_options if not options.get(key)]
        if missing:
            raise GatewayNotConfigured(
                f"payment gateway {name!r} needs {', '.join(missing)} (see docs/payments.md)"
            )

    def start(self, intent, *, return_url: str, notify_url: str) -> tuple[str, str]:
        """Open the payment at the gateway.

        Returns ``(redirect_url, gateway_ref)``: where to send the customer, and
        the gateway's own reference for the attempt (a token, a session id).
        """
        raise NotImplementedError

    def parse_notification(self, request) -> Notification:
        """Read and verify a notification; raise ``BadSignature`` if it is not genuine."""
        raise NotImplementedError

    def confirm(self, notification: Notification, request=None) -> None:
        """Settle a succeeded notification with the gateway where its protocol asks
        for it (a verify call); raise ``GatewayError`` if the gateway disagrees."""

    def acknowledge(self) -> tuple[str, str]:
        """Body and content type the gateway expects back from a handled notification."""
        return "OK", "text/plain"

    def form_origins(self, request=None) -> list[str]:
        """Origins the customer's browser is sent to (for the form-action CSP)."""
        return []
