import re

from django import forms, template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()

RANGE_SUFFIXES = {"__gte": "from", "__lte": "to", "__gt": "from", "__lt": "to"}


def _sort_state(name, ordering):
    current = ordering or ""
    if current == name:
        return f"-{name}", "ascending"
    if current == f"-{name}":
        return name, "descending"
    return name, "none"


@register.simple_tag
def sort_header(name, label, ordering, query, css=""):
    """A column header cell that sorts by ``name``, toggling the direction.

    ``aria-sort`` belongs on the header cell, and only on the column the list is
    sorted by; the link says what clicking it will do.
    """
    target, state = _sort_state(name, ordering)
    params = QueryDict(query, mutable=True)
    params["ordering"] = target
    params.pop("page", None)
    href = "?" + params.urlencode()
    hint = _("sort descending") if state == "ascending" else _("sort ascending")
    sort_attr = format_html(' aria-sort="{}"', state) if state != "none" else ""
    if css:
        sort_attr = format_html('{} class="{}"', sort_attr, css)
    return format_html(
        '<th scope="col"{}><a class="sort sort-{}" href="{}" hx-get="{}" hx-target="#results" '
        'hx-swap="outerHTML" hx-push-url="true">{}<span class="visually-hidden"> ({})</span>'
        '<span class="sort-icon" aria-hidden="true"></span></a></th>',
        sort_attr, state, href, href, label, hint,
    )


@register.simple_tag
def sort_link(name, label, ordering, query):
    """The link of :func:`sort_header` alone, for a header cell written by hand."""
    target, state = _sort_state(name, ordering)
    params = QueryDict(query, mutable=True)
    params["ordering"] = target
    params.pop("page", None)
    href = "?" + params.urlencode()
    return format_html(
        '<a class="sort sort-{}" href="{}" hx-get="{}" hx-target="#results" hx-swap="outerHTML" '
        'hx-push-url="true">{}<span class="sort-icon" aria-hidden="true"></span></a>',
        state, href, href, label,
    )


@register.filter
def qs_without(query, key):
    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return urlencode(params, doseq=True)


@register.filter
def css_token(value):
    """``"In_Progress"`` -> ``"in-progress"``: a value made safe for a class name."""
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "empty"


@register.simple_tag
def filter_label(resource, field):
    """A short label for a list filter: "Sent from" rather than django-filter's sentence."""
    for suffix, word in RANGE_SUFFIXES.items():
        if field.name.endswith(suffix):
            # "created_at__date__gte" -> the label of "created_at"
            base = resource.column_label(field.name.split("__")[0])
            if word == "from":
                return capfirst(_("%(field)s from") % {"field": base})
            return capfirst(_("%(field)s to") % {"field": base})
    return field.label


@register.filter
def filter_input(field):
    """A list filter's control: dates get the browser's date picker (ISO value)."""
    if isinstance(field.field, forms.DateField):
        return field.as_widget(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    return field.as_widget()


@register.simple_tag(takes_context=True)
def portal_topbar(context):
    """The page header (portal/chrome.py)."""
    from ..chrome import topbar

    return topbar(context["request"], context)


@register.simple_tag(takes_context=True)
def portal_sidenav(context):
    """The side menu (portal/chrome.py)."""
    from ..chrome import sidenav

    return sidenav(context)


@register.simple_tag(takes_context=True)
def record_links(context, resource, obj):
    """``{name: url}`` of the layout links the person may follow on ``obj`` now."""
    access = getattr(context["request"], "access", None)
    return {link.name: url for link, url in resource.available_links(obj, access)}
