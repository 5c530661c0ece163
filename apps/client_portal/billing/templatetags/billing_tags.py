from django import template

from ..links import pay_balance_url, pay_document_url

register = template.Library()


@register.simple_tag
def pay_url(document):
    """The online-payment URL of an unpaid document, or "" (no button)."""
    return pay_document_url(document)


@register.simple_tag
def pay_balance(currency):
    return pay_balance_url(currency)
