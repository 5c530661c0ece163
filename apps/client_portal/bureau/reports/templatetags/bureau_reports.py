from django import template

from ..display import describe

register = template.Library()


@register.simple_tag
def report_view(report):
    """A report's stored content as the reader reads it (``display.describe``)."""
    return describe(getattr(report, "content", None) or {})


@register.simple_tag
def lookup_view(lookup):
    """A register's answer as (label, value) pairs in the reader's language."""
    from ..display import lookup_rows

    return lookup_rows(lookup)
