"""Billing work that spans records: publishing, payments and their allocation, balances.

Every function here that changes something runs in ``transaction.atomic()``,
locks the documents it changes with ``select_for_update()`` and writes an audit
event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.client_portal.core import audit, events, messages
from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.notify import notify
from apps.client_portal.core.tenancy import Access
from apps.client_portal.documents.models import StoredFile
from apps.client_portal.documents.services import store_bytes

from .models import (
    ZERO,
    FinancialDocument,
    FinancialDocumentLine,
    Payment,
    PaymentAllocation,
    money,
)

INVOICE_TEMPLATE = "billing/invoice_pdf.html"
# Events for webhooks besides the generated ones (core/events.py).
PAYMENT_RECEIVED = events.declare("payments.received", gettext_lazy("Payment received"))
IMPORT_DONE = events.declare("imports.completed",
                             gettext_lazy("Documents imported (provider-wide)"))
STATEMENT_TEMPLATE = "billing/statement_pdf.html"
INVOICE_CSS = "billing/invoice.css"

Doc = FinancialDocument


# --- documents ----------------------------------------------------------------------
def create_document(*, organization, kind, number, issue_date, due_date, currency, lines=(),
                    net=None, vat=None, total=None, related=None, notes="", by=None,
                    import_batch=None) -> FinancialDocument:
    """A draft document; with ``lines`` its totals are the sums of the rounded lines.

    ``lines`` are dicts with description, quantity, unit, unit_price, vat_rate. Without
    lines the totals are given (an import of document totals) and checked.
    """
    with transaction.atomic():
        doc = FinancialDocument(
            organization=organization, kind=kind, number=number, issue_date=issue_date,
            due_date=due_date, currency=currency, related=related, notes=notes,
            import_batch=import_batch,
            net=net if net is not None else ZERO, vat=vat if vat is not None else ZERO,
            total=total if total is not None else ZERO,
        )
        line_objects = []
        for position, data in enumerate(lines, start=1):
            line = FinancialDocumentLine(position=position, **data)
            line.compute()
            line_objects.append(line)
        if line_objects:
            doc.net = sum((line.net for line in line_objects), ZERO)
            doc.vat = sum((line.vat for line in line_objects), ZERO)
            doc.total = doc.net + doc.vat
        doc._sync_amounts()
        doc.full_clean()
        doc.save()
        for line in line_objects:
            line.document = doc
            line.full_clean(exclude=["document"])
            line.save()
        audit.record("billing.document.create", obj=doc, actor=by,
                     changes={"number": number, "kind": kind, "total": str(doc.total),
                              "currency": currency, "lines": len(line_objects)})
    return doc


def provider_context() -> dict:
    return dict(settings.PROVIDER_LEGAL)


def client_context(organization) -> dict:
    return {
        "name": organization.name,
        "address_line": organization.address,
        "city_line": " ".join(p for p in [organization.postal_code, organization.city] if p),
        "vat_number": organization.vat_number or "—",
        "registration_number": organization.registration_number,
        "number": organization.client_code or "—",
    }


def vat_by_rate(lines) -> list[dict]:
    """Net and VAT per VAT rate of ``lines``, lowest rate first."""
    rows: dict[Decimal, dict] = {}
    for line in lines:
        row = rows.setdefault(line.vat_rate, {"rate": line.vat_rate, "base": ZERO, "vat": ZERO})
        row["base"] += line.net
        row["vat"] += line.vat
    return [rows[k] for k in sorted(rows)]


def document_context(doc: FinancialDocument, *, preview=False, lines=None) -> dict:
    """What the invoice template shows of ``doc`` (its stored lines unless ``lines``)."""
    lines = list(doc.lines.all()) if lines is None else list(lines)
    return {
        "invoice": doc,
        "document": doc,
        "title": doc.get_kind_display(),
        "lines": lines,
        "totals": {"net": doc.net, "vat_by_rate": vat_by_rate(lines), "gross": doc.total},
        "provider": provider_context(),
        "client": client_context(doc.organization),
        "preview": preview,
    }


def render_document_html(doc: FinancialDocument, *, preview=False, request=None,
                         lines=None) -> str:
    return render_to_string(INVOICE_TEMPLATE,
                            document_context(doc, preview=preview, lines=lines),
                            request=request)


def render_document_pdf(doc: FinancialDocument, *, lines=None) -> bytes:
    from apps.client_portal.documents.pdf import render_pdf

    return render_pdf(render_document_html(doc, lines=lines), stylesheets=[INVOICE_CSS])


def _pdf_kind(doc):
    return {
        Doc.Kind.INVOICE: StoredFile.Kind.INVOICE,
        Doc.Kind.CREDIT_NOTE: StoredFile.Kind.CREDIT_NOTE,
        Doc.Kind.DEBIT_NOTE: StoredFile.Kind.DEBIT_NOTE,
        Doc.Kind.TAX_INVOICE: StoredFile.Kind.TAX_INVOICE,
    }[doc.kind]


def attach_pdf(doc: FinancialDocument, *, by=None) -> StoredFile:
    """Render ``doc`` to PDF and keep it in the document store (in the client's language)."""
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        data = render_document_pdf(doc)
    stored = store_bytes(
        organization=doc.organization, data=data, name=f"{doc.kind}-{doc.number}.pdf",
        kind=_pdf_kind(doc), title_message=messages.DOCUMENT_TITLE,
        title_params=messages.params(kind=messages.choice(FinancialDocument, "kind", doc.kind),
                                     number=doc.number),
        content_type="application/pdf", by=by,
    )
    FinancialDocument.objects.filter(pk=doc.pk).update(pdf=stored)
    doc.pdf = stored
    return stored


def publish_document(doc: FinancialDocument, *, by=None, request=None,
                     notify_members: bool = True) -> FinancialDocument:
    """Publish a draft as the provider: the invoice resource's "publish" action.

    The one way a document is published, whoever asks (back office, import, API):
    the row is locked, the transition checked and audited; then the PDF is
    rendered and stored, the organization told, and open credit applied
    (``after_publish``).
    """
    from apps.client_portal.core import operations

    from .resources import InvoiceResource

    access = Access.provider(user=by if getattr(by, "pk", None) else None)
    token = _notify_members.set(notify_members)
    try:
        operations.run_action(InvoiceResource, access=access, lookup=doc.uuid, name="publish",
                              request=request)
    finally:
        _notify_members.reset(token)
    return FinancialDocument.objects.get(pk=doc.pk)


# Whether publishing tells the organization's members (the demo data publishes quietly).
_notify_members: ContextVar[bool] = ContextVar("notify_members", default=True)


def after_publish(doc: FinancialDocument, *, by=None):
    """What publishing does besides the transition: the PDF, the notice, the credit."""
    attach_pdf(doc, by=by)
    if _notify_members.get():
        _notify_published(doc)
    if not doc.is_credit:
        apply_credit(organization=doc.organization, currency=doc.currency, by=by)
        doc.refresh_from_db()


def apply_credit(*, organization, currency, by=None) -> list[PaymentAllocation]:
    """Settle open documents with payments that still carry an unallocated credit."""
    created = []
    payments = Payment.objects.filter(organization=organization, currency=currency,
                                      amount__gt=F("allocated")).order_by("date", "pk")
    for payment in payments:
        created += allocate_payment(payment=payment, by=by)
    return created


def _notify_published(doc: FinancialDocument):
    members = [m.user for m in Membership.objects.filter(
        organization=doc.organization, is_active=True).select_related("user")]
    if not members:
        return
    notify(members, doc.organization, obj=doc, message=messages.DOCUMENT_PUBLISHED,
           params=messages.params(
               kind=messages.choice(FinancialDocument, "kind", doc.kind), number=doc.number,
               date=doc.issue_date, total=doc.total, currency=doc.currency, due=doc.due_date))


def cancel_document(doc: FinancialDocument, *, by=None, request=None) -> FinancialDocument:
    """Withdraw a document nothing was paid on: the invoice resource's "cancel" action."""
    from apps.client_portal.core import operations

    from .resources import InvoiceResource

    access = Access.provider(user=by if getattr(by, "pk", None) else None)
    operations.run_action(InvoiceResource, access=access, lookup=doc.uuid, name="cancel",
                          request=request)
    return FinancialDocument.objects.get(pk=doc.pk)


# --- payments -----------------------------------------------------------------------
def allocate_payment(*, payment: Payment, documents=None, by=None,
                     then_oldest: bool = True) -> list[PaymentAllocation]:
    """Settle documents with what is left of ``payment``.

    The ``documents`` named come first, in the order given; then (unless
    ``then_oldest`` is false, or ``documents`` is given and ``then_oldest`` is
    None) the organization's other open documents of the payment's currency,
    oldest due date first. A document takes at most its outstanding amount; what
    no document takes stays on the payment as a credit on the balance.
    """
    created = []
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        remaining = money(payment.amount - payment.allocated)
        if remaining <= 0:
            return created
        open_docs = FinancialDocument.objects.filter(
            organization_id=payment.organization_id, currency=payment.currency,
        ).open()
        chosen_pks = [d.pk if hasattr(d, "pk") else d for d in (documents or [])]
        locked = {d.pk: d for d in open_docs.select_for_update().filter(pk__in=chosen_pks)}
        order = [locked[pk] for pk in chosen_pks if pk in locked]
        if then_oldest:
            rest = (open_docs.exclude(pk__in=chosen_pks).order_by("due_date", "issue_date", "pk")
                    .select_for_update())
            order.extend(rest)
        for doc in order:
            if remaining <= 0:
                break
            share = min(remaining, doc.outstanding)
            if share <= 0:
                continue
            doc.apply_payment(share)
            doc.save(update_fields=["paid", "outstanding", "status"])
            created.append(PaymentAllocation.objects.create(payment=payment, document=doc,
                                                            amount=share))
            remaining = money(remaining - share)
        if created:
            payment.allocated = money(payment.amount - remaining)
            payment.save(update_fields=["allocated"])
            audit.record(
                "billing.payment.allocate", obj=payment, actor=by,
                changes={"allocations": [[a.document.number, str(a.amount)] for a in created],
                         "unallocated": str(remaining)},
            )
    return created


def record_payment(*, organization, amount: Decimal, currency: str, method: str,
                   reference: str, paid_at, documents=None, by=None, note: str = "") -> Payment:
    """Record money received and allocate it; idempotent on (organization, method, reference).

    A second call with the same reference returns the payment recorded the first
    time and allocates nothing again. ``documents`` are settled first, then the
    oldest open documents.
    """
    date = paid_at
    if isinstance(paid_at, dt.datetime):
        date = timezone.localdate(paid_at) if timezone.is_aware(paid_at) else paid_at.date()
    existing = Payment.objects.filter(organization=organization, method=method,
                                      reference=reference).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            payment = Payment(organization=organization, amount=money(amount), currency=currency,
                              method=method, reference=reference, date=date, note=note,
                              created_by=by if getattr(by, "pk", None) else None)
            payment.full_clean(validate_unique=False)
            payment.save()
            audit.record("billing.payment.record", obj=payment, actor=by,
                         changes={"amount": str(payment.amount), "currency": currency,
                                  "method": method, "reference": reference,
                                  "date": str(date)})
            allocate_payment(payment=payment, documents=documents, by=by)
            events.emit(PAYMENT_RECEIVED, organization=organization, data={
                "resource": "payments", "id": str(payment.uuid)})
    except IntegrityError:
        # Another process recorded the same reference a moment ago: that one stands.
        existing = Payment.objects.filter(organization=organization, method=method,
                                          reference=reference).first()
        if existing is None:
            raise
        return existing
    payment.refresh_from_db()
    return payment


# --- balance and statement ----------------------------------------------------------
def _access(scope) -> Access:
    """What a read sees: a member's access, or (given an organization) the provider's
    view of that organization. Every read below goes through the tenant predicate."""
    if isinstance(scope, Organization):
        return Access.provider(organization=scope)
    return scope


def _documents(scope):
    return FinancialDocument.objects.for_access(_access(scope))


def _payments(scope):
    return Payment.objects.for_access(_access(scope))


def _sum_by_currency(qs, field) -> dict[str, Decimal]:
    return {row["currency"]: money(row["s"] or ZERO)
            for row in qs.values("currency").annotate(s=Sum(field)).order_by()}


def balance(scope, at: dt.date | None = None) -> dict[str, Decimal]:
    """What the organization owes per currency at the end of day ``at`` (today by default).

    ``scope`` is a member's ``Access`` or an organization. Published (not
    cancelled) documents issued up to ``at``, credit notes subtracted, minus
    payments dated up to ``at``. Negative means a credit.
    """
    at = at or timezone.localdate()
    docs = _documents(scope).filter(issue_date__lte=at)
    docs = docs.published().exclude(status=FinancialDocument.Status.CANCELLED)
    debits = _sum_by_currency(docs.exclude(kind=FinancialDocument.Kind.CREDIT_NOTE), "total")
    credits = _sum_by_currency(docs.filter(kind=FinancialDocument.Kind.CREDIT_NOTE), "total")
    paid = _sum_by_currency(_payments(scope).filter(date__lte=at), "amount")
    result = defaultdict(lambda: ZERO)
    for source, sign in ((debits, 1), (credits, -1), (paid, -1)):
        for currency, value in source.items():
            result[currency] += sign * value
    return {currency: money(value) for currency, value in sorted(result.items())}


def statement(scope, start: dt.date, end: dt.date) -> list[dict]:
    """A statement of account per currency: opening balance, entries, closing balance."""
    opening = balance(scope, start - dt.timedelta(days=1))
    docs = (_documents(scope).filter(issue_date__range=(start, end))
            .published().exclude(status=FinancialDocument.Status.CANCELLED)
            .order_by("issue_date", "pk"))
    payments = _payments(scope).filter(date__range=(start, end)).order_by("date", "pk")
    entries = defaultdict(list)
    for doc in docs:
        entries[doc.currency].append({
            "date": doc.issue_date, "text": str(doc), "due_date": doc.due_date,
            "debit": ZERO if doc.is_credit else doc.total,
            "credit": doc.total if doc.is_credit else ZERO, "sort": (doc.issue_date, 0, doc.pk),
        })
    for payment in payments:
        entries[payment.currency].append({
            "date": payment.date,
            "text": _("Payment %(reference)s (%(method)s)") % {
                "reference": payment.reference, "method": payment.get_method_display()},
            "due_date": None, "debit": ZERO, "credit": payment.amount,
            "sort": (payment.date, 1, payment.pk),
        })
    result = []
    for currency in sorted(set(opening) | set(entries)):
        running = opening.get(currency, ZERO)
        rows = sorted(entries.get(currency, []), key=lambda e: e["sort"])
        for row in rows:
            running = money(running + row["debit"] - row["credit"])
            row["balance"] = running
        result.append({
            "currency": currency, "opening": opening.get(currency, ZERO), "entries": rows,
            "debits": money(sum((r["debit"] for r in rows), ZERO)),
            "credits": money(sum((r["credit"] for r in rows), ZERO)),
            "closing": running,
        })
    return result


def statement_pdf(scope, start: dt.date, end: dt.date) -> bytes:
    from apps.client_portal.documents.pdf import render_pdf

    organization = _access(scope).organization
    html = render_to_string(STATEMENT_TEMPLATE, {
        "organization": organization, "client": client_context(organization),
        "provider": provider_context(), "start": start, "end": end,
        "currencies": statement(scope, start, end), "generated_at": timezone.now(),
    })
    return render_pdf(html, stylesheets=[INVOICE_CSS])


def next_due(scope):
    return (_documents(scope).open().filter(due_date__gte=timezone.localdate())
            .order_by("due_date", "pk").first())


def overdue_totals(scope) -> dict[str, Decimal]:
    return _sum_by_currency(_documents(scope).overdue(), "outstanding")
