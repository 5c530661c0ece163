"""Links to online payment, shown only where online payment is installed.

The "Pay" buttons point at URL names of the online-payment part of this app
(``billing:pay`` for a document, ``billing:pay_balance`` for a currency's
balance); when those names do not resolve, no button is shown.
"""

from django.urls import NoReverseMatch, reverse

BALANCE_NAMES = ("billing:pay_balance", "billing:pay-balance")


def pay_document_url(document) -> str:
    if document.outstanding <= 0 or document.status not in document.OPEN_STATUSES:
        return ""
    try:
        return reverse("billing:pay", args=[document.uuid])
    except NoReverseMatch:
        return ""


def pay_balance_url(currency: str) -> str:
    for name in BALANCE_NAMES:
        try:
            return reverse(name, args=[currency])
        except NoReverseMatch:
            continue
    return ""
