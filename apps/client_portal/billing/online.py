"""Online payment: opening payment intents and settling them from gateway notifications.

``start_payment`` opens (or reuses) an intent for documents or for a balance and
sends the customer to the gateway. ``handle_notification`` is the only way an
intent becomes paid: signature, known intent, same amount and currency, then,
with the intent locked, the payment is recorded and allocated exactly once. A
replayed or doubled notification finds the intent paid and changes nothing; a
failed or abandoned attempt never touches a balance. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid as uuid_lib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import audit
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import lock
from apps.client_portal.core.tenancy import Access

from .gateways import (
    BadSignature,
    Gateway,
    GatewayError,
    GatewayNotConfigured,
    Notification,
    get_gateway,
)
from .gateways.base import gateway_label
from .links import PAY_ROLE
from .models import FinancialDocument, Payment, PaymentIntent
from .online_models import (
    ABANDONED,
    CANCELLED_AT_GATEWAY,
    CANCELLED_BY_CLIENT,
    DECLINED,
    GATEWAY_UNAVAILABLE,
)
from .services import balance, record_payment

log = logging.getLogger(__name__)
SLUG = "online-payments"


@dataclass(frozen=True)
class Outcome:
    """How a notification was handled: the HTTP status to answer and a short word."""

    status: int
    result: str
    intent: PaymentIntent | None = None


# --- payables of other modules -----------------------------------------------------------
@dataclass(frozen=True)
class Payable:
    """Something other than invoices a client pays online (a loan's repayment).

    ``kind`` names the handler registered with ``register_payable``; ``ref`` is what
    the handler finds its record by; ``label`` what the gateway and the return page
    show; ``url`` the page the client goes back to.
    """

    kind: str
    ref: str
    amount: Decimal
    currency: str
    label: str
    url: str = ""


# kind -> settle(intent, *, reference, paid_at): records the money (called once, under
# the intent's lock, inside the transaction that marks the intent paid).
PAYABLES: dict = {}


def register_payable(kind: str, settle) -> None:
    PAYABLES[kind] = settle


# --- what is owed ---------------------------------------------------------------------
def payable_documents(documents) -> tuple[list[FinancialDocument], str]:
    """The documents that still wait for money, and their one currency."""
    docs = [d for d in documents if d.status in FinancialDocument.OPEN_STATUSES
            and d.outstanding > 0 and not d.is_credit]
    if not docs:
        raise Refused(_("There is nothing left to pay on this document."), code="nothing_due",
                      status=409)
    currencies = {d.currency for d in docs}
    if len(currencies) != 1:
        raise Refused(_("Documents in different currencies are paid separately."),
                      code="currencies")
    return docs, currencies.pop()


def balance_due(organization, currency: str) -> Decimal:
    due = balance(organization).get(currency, Decimal("0.00"))
    return due if due > 0 else Decimal("0.00")


def quote(access: Access, *, documents=None, currency=None) -> dict:
    """What a payment would be for, before anything is opened."""
    if documents is not None:
        docs, currency = payable_documents(documents)
        return {"scope": PaymentIntent.Scope.DOCUMENTS, "documents": docs,
                "currency": currency, "amount": sum((d.outstanding for d in docs),
                                                    Decimal("0.00"))}
    amount = balance_due(access.organization, currency)
    if amount <= 0:
        raise Refused(_("Your balance in %(currency)s has nothing to pay.")
                      % {"currency": currency}, code="nothing_due", status=409)
    return {"scope": PaymentIntent.Scope.BALANCE, "documents": [], "currency": currency,
            "amount": amount}


def _key(organization, scope, documents, currency, amount, gateway_name) -> str:
    parts = [str(organization.uuid), scope, currency, str(amount), gateway_name,
             *sorted(str(d.uuid) for d in documents)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- starting -------------------------------------------------------------------------
def start_payment(access: Access, *, gateway: str, base_url: str, documents=None,
                  currency: str | None = None, request=None,
                  payable: Payable | None = None) -> PaymentIntent:
    """Open (or reuse) a payment intent and register it with the gateway.

    ``documents`` must come through the resource predicate (the caller's lookup);
    without them the whole balance in ``currency`` is paid. ``base_url`` is the
    scheme and host the gateway sends the customer back to and notifies.
    """
    if access is None or access.organization is None or not access.has_role(PAY_ROLE):
        raise Refused(_("Your role does not allow payments."), code="forbidden")
    try:
        gw = get_gateway(gateway)
    except GatewayNotConfigured:
        raise Refused(_("This payment method is not available."), code="gateway",
                      status=503) from None
    organization = access.organization
    reuse_after = timezone.now() - dt.timedelta(minutes=settings.PAYMENT_INTENT_REUSE_MINUTES)

    with transaction.atomic():
        # One organization opens one intent at a time: a double click reuses the first.
        lock(organization)
        if documents is not None:
            documents = list(FinancialDocument.objects.select_for_update().filter(
                pk__in=[d.pk for d in documents], organization=organization))
        if payable is not None:
            if payable.kind not in PAYABLES or payable.amount <= 0:
                raise Refused(_("There is nothing to pay here."), code="nothing_due",
                              status=409)
            offer = {"scope": PaymentIntent.Scope.PAYABLE, "documents": [],
                     "currency": payable.currency, "amount": payable.amount}
            key = _key(organization, f"{payable.kind}:{payable.ref}", [], payable.currency,
                       payable.amount, gateway)
        else:
            offer = quote(access, documents=documents, currency=currency)
            key = _key(organization, offer["scope"], offer["documents"], offer["currency"],
                       offer["amount"], gateway)
        intent = (PaymentIntent.objects.filter(
            organization=organization, idempotency_key=key, status__in=PaymentIntent.OPEN_STATUSES,
            created_at__gte=reuse_after,
        ).order_by("-created_at").first())
        if intent is not None:
            audit.record(f"{SLUG}.reuse", obj=intent, organization=organization,
                         request=request, changes={"status": intent.status})
        else:
            intent = PaymentIntent.objects.create(
                organization=organization, scope=offer["scope"], amount=offer["amount"],
                currency=offer["currency"], gateway=gateway, idempotency_key=key,
                created_by=access.user if getattr(access.user, "pk", None) else None,
                **({"payable": f"{payable.kind}:{payable.ref}"[:100],
                    "payable_label": str(payable.label)[:200],
                    "payable_url": payable.url[:200]} if payable is not None else {}),
            )
            intent.documents.set(offer["documents"])
            audit.record(f"{SLUG}.create", obj=intent, organization=organization,
                         request=request, changes={
                             "amount": str(intent.amount), "currency": intent.currency,
                             "gateway": gateway, "scope": intent.scope,
                             "documents": [d.number for d in offer["documents"]]})
    if intent.redirect_url:
        return intent
    return _register(intent, gw, base_url, request)


def _register(intent: PaymentIntent, gw: Gateway, base_url: str, request) -> PaymentIntent:
    base = base_url.rstrip("/")
    return_url = base + reverse("billing:pay_return", args=[intent.uuid])
    notify_url = base + reverse("billing:pay_callback", args=[gw.name])
    try:
        # The gateway call is made outside any transaction: no lock is held while waiting.
        redirect_url, token = gw.start(intent, return_url=return_url, notify_url=notify_url)
    except GatewayError as exc:
        log.warning("payment gateway %s refused intent %s: %s", gw.name, intent.uuid, exc)
        with transaction.atomic():
            intent = lock(intent)
            if intent.status == PaymentIntent.Status.CREATED:
                before = audit.snapshot(intent)
                # The error names addresses and codes: kept for staff, not for clients.
                intent.fail(message=GATEWAY_UNAVAILABLE, reason=str(exc))
                intent.save()
                audit.record(f"{SLUG}.gateway_error", obj=intent, request=request,
                             changes=audit.diff(before, audit.snapshot(intent)))
        raise Refused(_("The payment service is not answering; nothing was charged. "
                        "Please try again later."), code="gateway", status=503) from exc
    with transaction.atomic():
        intent = lock(intent)
        if intent.status == PaymentIntent.Status.CREATED:
            before = audit.snapshot(intent)
            intent.start(token=token, redirect_url=redirect_url)
            intent.save()
            audit.record(f"{SLUG}.start", obj=intent, request=request,
                         changes=audit.diff(before, audit.snapshot(intent)))
    return intent


def cancel_payment(access: Access, intent: PaymentIntent, *, request=None) -> PaymentIntent:
    """The client gives up an open attempt (an abandoned payment: nothing changes)."""
    if not access.has_role(PAY_ROLE):
        raise Refused(_("Your role does not allow payments."), code="forbidden")
    with transaction.atomic():
        intent = lock(intent)
        if not intent.is_open:
            return intent
        before = audit.snapshot(intent)
        intent.cancel(message=CANCELLED_BY_CLIENT)
        intent.save()
        audit.record(f"{SLUG}.cancel", obj=intent, request=request,
                     changes=audit.diff(before, audit.snapshot(intent)))
    return intent


def expire_abandoned(older_than: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """Cancel attempts nobody finished; their documents stay exactly as they were."""
    count = 0
    cutoff = timezone.now() - older_than
    for pk in PaymentIntent.objects.filter(status__in=PaymentIntent.OPEN_STATUSES,
                                           created_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            intent = PaymentIntent.objects.select_for_update().get(pk=pk)
            if not intent.is_open:
                continue
            before = audit.snapshot(intent)
            intent.cancel(message=ABANDONED)
            intent.save()
            audit.record(f"{SLUG}.expire", obj=intent,
                         changes=audit.diff(before, audit.snapshot(intent)))
            count += 1
    return count


# --- notifications --------------------------------------------------------------------
def _find_intent(gateway_name: str, ref: str) -> PaymentIntent | None:
    try:
        key = uuid_lib.UUID(str(ref))
    except ValueError:
        return None
    return (PaymentIntent.objects.select_related("organization")
            .filter(gateway=gateway_name, uuid=key).first())


def handle_notification(gateway_name: str, request) -> Outcome:
    """Verify and apply one gateway notification; see the module docstring."""
    event = f"{SLUG}.callback"
    try:
        gw = get_gateway(gateway_name)
    except GatewayNotConfigured:
        audit.record(f"{event}.unknown_gateway", request=request,
                     changes={"gateway": gateway_name[:30]})
        return Outcome(404, "unknown gateway")
    try:
        note = gw.parse_notification(request)
    except BadSignature as exc:
        audit.record(f"{event}.bad_signature", request=request,
                     changes={"gateway": gateway_name, "reason": str(exc)[:200]})
        return Outcome(400, "bad signature")

    received = {"gateway": gateway_name, "intent": note.intent_ref[:64],
                "amount": str(note.amount), "currency": note.currency,
                "status": note.status, "gateway_ref": note.gateway_ref[:100]}
    intent = _find_intent(gateway_name, note.intent_ref) if note.intent_ref else None
    if note.ignored:
        audit.record(f"{event}.ignored", obj=intent, request=request, changes=received)
        return Outcome(200, "ignored", intent)
    if intent is None:
        audit.record(f"{event}.unknown_intent", request=request, changes=received)
        return Outcome(400, "unknown intent")
    if note.amount != intent.amount or note.currency != intent.currency:
        audit.record(f"{event}.wrong_amount", obj=intent, request=request, changes={
            **received, "expected_amount": str(intent.amount),
            "expected_currency": intent.currency})
        return Outcome(400, "amount mismatch", intent)

    if note.status in (Notification.FAILED, Notification.CANCELLED):
        return _apply_failure(intent, note, received, request)

    if intent.status == PaymentIntent.Status.SUCCEEDED:
        audit.record(f"{event}.replay", obj=intent, request=request, changes=received)
        return Outcome(200, "already paid", intent)
    try:
        gw.confirm(note, request)
    except GatewayError as exc:
        audit.record(f"{event}.verify_failed", obj=intent, request=request,
                     changes={**received, "reason": str(exc)[:200]})
        # Not 200: the gateway repeats its notification later.
        return Outcome(502, "verify failed", intent)
    return _apply_success(intent, note, received, request)


def _apply_success(intent, note, received, request) -> Outcome:
    with transaction.atomic():
        intent = lock(intent)
        if intent.status == PaymentIntent.Status.SUCCEEDED:
            # Two notifications crossed: the other one recorded the payment.
            audit.record(f"{SLUG}.callback.replay", obj=intent, request=request,
                         changes=received)
            return Outcome(200, "already paid", intent)
        before = audit.snapshot(intent)
        if intent.scope == PaymentIntent.Scope.PAYABLE:
            kind = intent.payable.partition(":")[0]
            PAYABLES[kind](intent, reference=_payment_reference(intent, note.gateway_ref),
                           paid_at=timezone.now())
            intent.succeed(gateway_ref=note.gateway_ref, payment=None)
            intent.save()
            audit.record(f"{SLUG}.callback.succeeded", obj=intent, request=request,
                         changes=audit.diff(before, audit.snapshot(intent)))
            return Outcome(200, "paid", intent)
        payment = record_payment(
            organization=intent.organization, amount=intent.amount, currency=intent.currency,
            method=Payment.Method.ONLINE, reference=_payment_reference(intent, note.gateway_ref),
            paid_at=timezone.now(), documents=list(intent.documents.all()) or None,
            by=intent.created_by, note=str(intent.description())[:300],
        )
        intent.succeed(gateway_ref=note.gateway_ref, payment=payment)
        intent.save()
        audit.record(f"{SLUG}.callback.succeeded", obj=intent, request=request, changes={
            **audit.diff(before, audit.snapshot(intent)), "payment": str(payment.uuid)})
    return Outcome(200, "paid", intent)


def _payment_reference(intent, gateway_ref: str) -> str:
    """The reference the payment is recorded under: the gateway's own, as the client knows it.

    Called under the intent's lock before it has a payment, so an online payment
    of the organization that already carries this reference is another one (a
    second gateway's order with the same number, or one a clerk entered):
    ``record_payment`` would return it as if it were this one. Then the gateway's
    name goes in front, which keeps both apart and still reads well.
    """
    reference = gateway_ref[:100]
    taken = Payment.objects.filter(organization=intent.organization,
                                   method=Payment.Method.ONLINE, reference=reference)
    if taken.exists():
        with translation.override(settings.LANGUAGE_CODE):
            reference = f"{gateway_label(intent.gateway)} {gateway_ref}"[:100]
    return reference


def _apply_failure(intent, note, received, request) -> Outcome:
    with transaction.atomic():
        intent = lock(intent)
        if not intent.is_open:
            audit.record(f"{SLUG}.callback.late_failure", obj=intent, request=request,
                         changes={**received, "intent_status": intent.status})
            return Outcome(200, "no change", intent)
        before = audit.snapshot(intent)
        if note.status == Notification.CANCELLED:
            intent.cancel(message=CANCELLED_AT_GATEWAY)
            word = "cancelled"
        else:
            said = str(note.raw.get("type") or "")
            # A checkout session that expired is a page left without paying.
            intent.fail(message=ABANDONED if said.endswith(".expired") else DECLINED,
                        reason=said)
            word = "failed"
        intent.save()
        audit.record(f"{SLUG}.callback.{word}", obj=intent, request=request,
                     changes=audit.diff(before, audit.snapshot(intent)))
    return Outcome(200, word, intent)
