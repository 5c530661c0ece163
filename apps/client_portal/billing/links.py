"""Links to online payment, shown only where online payment is installed.

The "Pay" buttons point at URL names of the online-payment part of this app
(``billing:pay`` for a document, ``billing:pay_balance`` for a currency's
balance); when those names do not resolve, no button is shown. Given the
person's ``access``, no button is shown to a role that may not pay either.
"""

from django.urls import NoReverseMatch, reverse

from apps.client_portal.core.tenancy import Role

# The least role that may pay online (billing.online.PAY_ROLE says the same).
PAY_ROLE = Role.MEMBER


def may_pay(access) -> bool:
    return access is not None and access.has_role(PAY_ROLE)

BALANCE_NAMES = ("billing:pay_balance", "billing:pay-balance")


def pay_document_url(document, access=None) -> str:
    """The pay page of ``document``; "" when nothing is due, or ``access`` may not pay."""
    if access is not None and not may_pay(access):
        return ""
    if document.outstanding <= 0 or document.status not in document.OPEN_STATUSES:
        return ""
    try:
        return reverse("billing:pay", args=[document.uuid])
    except NoReverseMatch:
        return ""


def pay_balance_url(currency: str, access=None) -> str:
    if access is not None and not may_pay(access):
        return ""
    for name in BALANCE_NAMES:
        try:
            return reverse(name, args=[currency])
        except NoReverseMatch:
            continue
    return ""
