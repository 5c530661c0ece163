"""``{{ session.user_agent|browser_summary }}``: "Chrome on Linux" (core/useragent.py)."""

from django import template

from ..useragent import summary

register = template.Library()


@register.filter
def browser_summary(value):
    return summary(value or "")
