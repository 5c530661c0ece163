from django import template

from apps.client_portal.core.display import format_money, format_price

from ..links import pay_balance_url, pay_document_url

register = template.Library()


@register.simple_tag(takes_context=True)
def pay_url(context, document):
    """The online-payment URL of an unpaid document, or "" (no button).

    "" also for a person whose role may not pay (a Viewer): no Pay is offered to
    someone the pay page would refuse.
    """
    return pay_document_url(document, access=_access(context))


@register.simple_tag(takes_context=True)
def pay_balance(context, currency):
    return pay_balance_url(currency, access=_access(context))


def _access(context):
    request = context.get("request")
    return getattr(request, "access", None) if request is not None else None


@register.filter
def money(value, currency=""):
    """``{{ amount|money:doc.currency }}``: grouped in the reader's format, two places."""
    return format_money(value, currency)


@register.filter
def unit_price(value, currency=""):
    """``{{ line.unit_price|unit_price:invoice.currency }}``: the currency's places, more
    only when the price has them (``core.display.format_price``, as on the page)."""
    return format_price(value, currency)


@register.filter
def unit(code, quantity=None):
    """A unit code in the reader's language: {{ line.unit|unit:line.quantity }}."""
    from ..units import unit_label

    return unit_label(code, quantity)
