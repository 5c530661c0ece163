"""Demo online payments: a paid, an abandoned and a failed attempt per organization.

Called at the end of ``billing/demo.py``'s ``seed`` once the demo documents exist.
Only a document still open is paid here; where none is left, the attempts shown
are the ones that changed nothing (abandoned, declined).
"""

import datetime as dt

from .models import FinancialDocument, Payment, PaymentIntent
from .online_models import ABANDONED, DECLINED
from .services import record_payment

FAKE_PAGE = "http://127.0.0.1:8000/billing/fake-gateway/"


def seed(ctx):
    for org_key, user_key in [("northwind", "owner"), ("contoso", "contoso_owner"),
                              ("ana", "ana"), ("fabrikam", "fabrikam_owner")]:
        organization = ctx.organizations.get(org_key)
        if organization is None:
            continue
        user = ctx.users.get(user_key)
        invoices = (FinancialDocument.objects.filter(organization=organization).published()
                    .exclude(kind=FinancialDocument.Kind.CREDIT_NOTE)
                    .exclude(status=FinancialDocument.Status.CANCELLED))
        open_doc = invoices.open().order_by("due_date", "pk").first()
        latest = invoices.order_by("-issue_date", "-pk").first()
        if latest is None:
            continue
        plan = [(latest, PaymentIntent.Status.CANCELLED, ABANDONED),
                (latest, PaymentIntent.Status.FAILED, DECLINED),
                # Left on the gateway's page: still open, for staff to cancel.
                (latest, PaymentIntent.Status.PENDING, "")]
        if open_doc is not None:
            plan.append((open_doc, PaymentIntent.Status.SUCCEEDED, ""))
        for index, (doc, status, message) in enumerate(plan):
            doc.refresh_from_db()
            amount = doc.outstanding if doc.outstanding > 0 else doc.total
            started = ctx.now - dt.timedelta(days=len(plan) - index, hours=2)
            if status in PaymentIntent.OPEN_STATUSES:
                started = ctx.now - dt.timedelta(minutes=30)  # not yet "abandoned"
            intent = PaymentIntent.objects.create(
                organization=organization, amount=amount, currency=doc.currency,
                gateway="redirect", created_by=user, status=status, failure_message=message,
                idempotency_key=f"demo-{doc.uuid.hex}-{index}", redirect_url=FAKE_PAGE,
                gateway_token=f"demo-token-{index}",
                completed_at=None if status in PaymentIntent.OPEN_STATUSES
                else started + dt.timedelta(minutes=3),
            )
            intent.documents.set([doc])
            if status == PaymentIntent.Status.SUCCEEDED:
                reference = str(100200300 + index)
                intent.payment = record_payment(
                    organization=organization, amount=amount, currency=doc.currency,
                    method=Payment.Method.ONLINE, reference=reference,
                    paid_at=started + dt.timedelta(minutes=3), documents=[doc], by=user,
                    note=str(doc),
                )
                intent.gateway_ref = reference
                intent.save(update_fields=["payment", "gateway_ref"])
            PaymentIntent.objects.filter(pk=intent.pk).update(created_at=started)
