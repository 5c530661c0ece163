"""Billing demo data: invoices over two years, notes, payments, tariffs.

Northwind gets at least 120 documents in RON and EUR (paid, partly paid, unpaid,
overdue), Contoso its own in PLN, Ana and Fabrikam a few. Every published
document gets its PDF: the latest few of each organization while seeding
(through the full publishing service), the rest in bulk by one background job
queued when the seed commits (``attach_missing_pdfs``, a PDF batch: inline where
jobs run inline, in a worker where Redis carries them), so the data is there at
once, the renders do not hold the seed's transaction and the back office shows
the finished batch. The small data set of the tests
renders one per organization and leaves the bulk job to its own test.
"""

import datetime as dt
import logging
import time
from decimal import Decimal

from django.utils import timezone

from apps.client_portal.core import jobs

from . import services
from .models import FinancialDocument, Payment, Tariff

log = logging.getLogger(__name__)

Doc = FinancialDocument

ITEMS = [
    ("Monthly service subscription", "month", Decimal("450.00")),
    ("Support hours", "h", Decimal("85.50")),
    ("Electricity, day tariff", "kWh", Decimal("0.8125")),
    ("Equipment rental", "pcs", Decimal("120.00")),
    ("Consulting", "h", Decimal("132.40")),
    ("Delivery", "trip", Decimal("49.99")),
]
VAT = {"RON": Decimal("19"), "EUR": Decimal("19"), "PLN": Decimal("23"), "BGN": Decimal("20")}

PLAN = {
    # org: (prefix, currencies, documents, PDFs rendered)
    "northwind": ("NW", ["RON", "RON", "EUR"], 124, 4),
    "contoso": ("CT", ["PLN"], 30, 2),
    "ana": ("AP", ["RON"], 6, 1),
    "fabrikam": ("FB", ["BGN", "EUR"], 6, 1),
}


def _lines(ctx, currency):
    rng = ctx.rng
    lines = []
    for _ in range(rng.randint(1, 4)):
        text, unit, price = rng.choice(ITEMS)
        quantity = Decimal(rng.choice([250, 800, 1250] if unit == "kWh" else [1, 1, 2, 3, 5]))
        lines.append({"description": text, "quantity": quantity, "unit": unit,
                      "unit_price": price, "vat_rate": VAT[currency]})
    return lines


def seed(ctx):
    today = timezone.localdate()
    small = ctx.rows < 20
    staff = ctx.users.get("billing")
    for org_key, (prefix, currencies, count, pdfs) in PLAN.items():
        org = ctx.organizations[org_key]
        if small:
            count, pdfs = min(count, max(4, ctx.rows)), 1
        docs = []
        for index in range(count):
            # Spread over two years, oldest first; the last few are recent.
            issue = today - dt.timedelta(days=int(730 * (count - index - 1) / max(count, 1)))
            currency = currencies[index % len(currencies)]
            kind = Doc.Kind.TAX_INVOICE if org_key == "fabrikam" and index % 3 == 2 else \
                Doc.Kind.INVOICE
            doc = services.create_document(
                organization=org, kind=kind, number=f"{prefix}-{issue:%Y}-{index + 1:04d}",
                issue_date=issue, due_date=issue + dt.timedelta(days=30), currency=currency,
                lines=_lines(ctx, currency), by=staff,
            )
            docs.append(doc)
        # A draft the client does not see yet.
        services.create_document(
            organization=org, kind=Doc.Kind.INVOICE, number=f"{prefix}-DRAFT-0001",
            issue_date=today, due_date=today + dt.timedelta(days=30), currency=currencies[0],
            lines=_lines(ctx, currencies[0]), by=staff,
        )
        _publish(docs, pdfs, staff)
        if len(docs) > 3:
            original = docs[-4]
            note = services.create_document(
                organization=org, kind=Doc.Kind.CREDIT_NOTE, number=f"{prefix}-CN-0001",
                issue_date=original.issue_date + dt.timedelta(days=2),
                due_date=original.issue_date + dt.timedelta(days=2),
                currency=original.currency, related=original, by=staff,
                lines=[{"description": f"Correction of {original.number}", "quantity": 1,
                        "unit": "", "unit_price": Decimal("25.00"),
                        "vat_rate": VAT[original.currency]}],
            )
            _publish([note], 0, staff)
        _pay(ctx, org, prefix, docs, today, staff)

    start = today.replace(month=1, day=1)
    for name, unit, price, currency in [
        ("Business electricity, day", "kWh", "0.8125", "RON"),
        ("Business electricity, night", "kWh", "0.5410", "RON"),
        ("Support hour", "h", "85.50", "RON"),
        ("Support hour (EU)", "h", "19.00", "EUR"),
        ("Monthly subscription", "month", "450.00", "RON"),
        ("Usługa wsparcia", "h", "80.00", "PLN"),
    ]:
        Tariff.objects.create(name=name, unit=unit, price=Decimal(price), currency=currency,
                              valid_from=start)
        Tariff.objects.create(name=name, unit=unit,
                              price=(Decimal(price) * Decimal("0.92")).quantize(Decimal("0.0001")),
                              currency=currency, valid_from=start.replace(year=start.year - 1),
                              valid_to=start - dt.timedelta(days=1))

    from .online_demo import seed as seed_online_payments

    seed_online_payments(ctx)
    if not small:
        jobs.enqueue(attach_missing_pdfs)


def attach_missing_pdfs(limit: int | None = None) -> int:
    """Render and store the PDF of every published document that has none; how many.

    A PDF batch (``pdf_batch.start``) whose chunks run here, one after another,
    since this is already a background job: one warm PDF engine renders them
    (about 0.1 s each, stored file included); each document is stored on its own,
    so a failure leaves the others done and a second run finishes the rest. The
    back office lists the batch under PDF batches.
    """
    from . import pdf_batch

    started = time.monotonic()
    docs = pdf_batch.missing_pdfs()
    if limit is not None:
        docs = docs[:limit]
    ids = list(docs.values_list("pk", flat=True))
    if not ids:
        return 0
    batch = pdf_batch.start(ids, by=None, now=True)
    log.info("Rendered %d PDFs of demo documents in %.1f s (PDF batch %s)", batch.done,
             time.monotonic() - started, batch.pk)
    return batch.done


def _publish(docs, pdfs, staff):
    """Publish ``docs``: the last ``pdfs`` through the full service, the rest quietly."""
    cut = len(docs) - pdfs
    quiet = docs[:cut]
    for doc in quiet:
        doc.publish(by=staff)
        doc.save()
    for doc in docs[cut:]:
        services.publish_document(doc, by=staff, notify_members=False)


def _pay(ctx, org, prefix, docs, today, staff):
    """Most old documents paid, some partly, the recent ones open; one over-payment."""
    rng = ctx.rng
    payable = [d for d in docs if d.kind != Doc.Kind.CREDIT_NOTE]
    for index, doc in enumerate(payable):
        doc.refresh_from_db()
        age = (today - doc.issue_date).days
        if doc.outstanding <= 0:
            continue
        if age > 120 and rng.random() < 0.85:
            amount = doc.outstanding
        elif age > 45 and rng.random() < 0.5:
            amount = (doc.outstanding / 2).quantize(Decimal("0.01"))
        else:
            continue
        services.record_payment(
            organization=org, amount=amount, currency=doc.currency,
            method=rng.choice([Payment.Method.BANK_TRANSFER, Payment.Method.CARD]),
            reference=f"{prefix}-PAY-{index + 1:05d}",
            paid_at=min(today, doc.issue_date + dt.timedelta(days=rng.randint(5, 40))),
            documents=[doc], by=staff,
        )
    # An over-payment: leaves a credit on the balance.
    last = payable[-1]
    services.record_payment(
        organization=org, amount=last.outstanding + Decimal("100.00"), currency=last.currency,
        method=Payment.Method.BANK_TRANSFER, reference=f"{prefix}-PAY-ADVANCE",
        paid_at=today, documents=[last], by=staff,
    )
