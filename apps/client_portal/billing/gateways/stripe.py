"""Stripe Checkout through the official SDK.

``start`` creates a Checkout Session (idempotency key: the intent's uuid, so a
retried request never opens a second session); the customer pays on Stripe's
page; Stripe then posts events to the webhook, signed in the ``Stripe-Signature``
header (``t=<timestamp>,v1=<HMAC-SHA256(secret, "<t>.<payload>")>``), which
``stripe.Webhook.construct_event`` verifies, timestamp tolerance included.
"""

from __future__ import annotations

import json

import stripe
from django.utils.translation import gettext_lazy as _

from .base import (
    BadSignature,
    Gateway,
    GatewayError,
    Notification,
    from_minor_units,
    to_minor_units,
)

SUCCEEDED_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
# An expired session is an abandoned payment: the intent fails, no money moved.
FAILED_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}


class StripeGateway(Gateway):
    label = _("Card (Stripe)")
    required_options = ("SECRET_KEY", "WEBHOOK_SECRET")

    def __init__(self, name, options):
        super().__init__(name, options)
        if options.get("LABEL"):
            self.label = options["LABEL"]

    def client(self) -> stripe.StripeClient:
        # stripe.api_base is read per call so that a test (or a proxy set-up) can point it
        # elsewhere; API_BASE in the settings wins.
        return stripe.StripeClient(
            self.options["SECRET_KEY"],
            base_addresses={"api": self.options.get("API_BASE") or stripe.api_base},
            max_network_retries=int(self.options.get("MAX_NETWORK_RETRIES", 2)),
        )

    def start(self, intent, *, return_url, notify_url):
        params = {
            "mode": "payment",
            "success_url": return_url,
            "cancel_url": return_url,
            "client_reference_id": intent.uuid.hex,
            "metadata": {"intent": intent.uuid.hex, "organization": str(intent.organization.uuid)},
            "payment_intent_data": {"metadata": {"intent": intent.uuid.hex}},
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": intent.currency.lower(),
                    "unit_amount": to_minor_units(intent.amount, intent.currency),
                    "product_data": {"name": intent.description()[:250]},
                },
            }],
        }
        email = intent.payer_email()
        if email:
            params["customer_email"] = email
        try:
            session = self.client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": str(intent.uuid)}
            )
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe refused the checkout session: {exc}") from exc
        return session.url, session.id

    def parse_notification(self, request) -> Notification:
        payload = request.body
        header = request.headers.get("Stripe-Signature")
        try:
            stripe.Webhook.construct_event(payload, header, self.options["WEBHOOK_SECRET"])
        except stripe.SignatureVerificationError as exc:
            raise BadSignature(str(exc)) from exc
        except ValueError as exc:
            raise BadSignature("payload is not JSON") from exc
        event = json.loads(payload)
        kind = event.get("type", "")
        session = (event.get("data") or {}).get("object") or {}
        ref = session.get("client_reference_id") or (session.get("metadata") or {}).get("intent")
        currency = str(session.get("currency") or "").upper()
        amount = session.get("amount_total")
        if kind in SUCCEEDED_EVENTS and session.get("payment_status") == "paid":
            status = Notification.SUCCEEDED
        elif kind in FAILED_EVENTS:
            status = Notification.FAILED
        else:
            # Not a final word on the payment (a delayed method still pending, another
            # event type): acknowledged, nothing changes.
            return Notification(ref or "", from_minor_units(amount or 0, currency or "EUR"),
                                currency, Notification.FAILED, str(event.get("id", "")), event,
                                ignored=True)
        return Notification(
            intent_ref=ref or "",
            amount=from_minor_units(amount or 0, currency),
            currency=currency,
            status=status,
            gateway_ref=str(session.get("payment_intent") or session.get("id") or ""),
            raw=event,
        )

    def form_origins(self, request=None):
        return ["https://checkout.stripe.com"]
