"""Online repayment of a loan through billing's payment gateways (billing.online)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Loan, Repayment


def payable_for(loan: Loan, amount: Decimal, description: str = ""):
    from apps.client_portal.billing.online import Payable

    label = _("Repayment of loan %(number)s") % {"number": loan.number}
    if description:
        label = f"{label}: {description}"
    return Payable(kind="loans", ref=str(loan.uuid), amount=amount, currency=loan.currency,
                   label=label[:200], url=loan.get_absolute_url())


def settle_online_repayment(intent, *, reference, paid_at):
    """Called by billing.online once the gateway confirmed the money (under its lock)."""
    from apps.client_portal.core.errors import Refused

    from . import services

    _kind, _sep, ref = intent.payable.partition(":")
    loan = Loan.objects.get(uuid=ref, organization_id=intent.organization_id)
    money = {"amount": intent.amount, "date": timezone.localdate(paid_at),
             "source": Repayment.Source.ONLINE, "reference": reference,
             "by": intent.created_by, "description": intent.payable_label}
    try:
        with transaction.atomic():
            services.record_repayment(loan, **money)
    except Refused as exc:
        # The money is in (the gateway confirmed it) but the loan takes no repayment
        # now (closed since the payment began): held whole as the loan's deposit for
        # staff, audited; the gateway still hears its success.
        services.hold_repayment(loan, reason=str(exc.message), **money)
