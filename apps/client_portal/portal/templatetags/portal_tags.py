from django import template
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sort_link(name, label, ordering, query):
    """A column header that sorts by ``name``, toggling the direction."""
    from django.http import QueryDict

    params = QueryDict(query, mutable=True)
    current = ordering or ""
    if current == name:
        target, state = f"-{name}", "ascending"
    elif current == f"-{name}":
        target, state = name, "descending"
    else:
        target, state = name, "none"
    params["ordering"] = target
    params.pop("page", None)
    href = "?" + params.urlencode()
    arrow = {"ascending": " ▲", "descending": " ▼", "none": ""}[state]
    return format_html(
        '<a href="{}" hx-get="{}" hx-target="#results" hx-swap="outerHTML" hx-push-url="true" '
        'aria-sort="{}" title="{}">{}{}</a>',
        href, href, state, _("Sort"), label, arrow,
    )


@register.filter
def qs_without(query, key):
    from django.http import QueryDict

    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return urlencode(params, doseq=True)
