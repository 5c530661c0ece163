"""The rows of a list page's table, built in Python in one pass.

Everything that is the same for every row is worked out once per page (labels,
column kinds, the opening ``<td>`` of each column, the detail URL, the active
language's formats, the label of each choice value) and each row is one
string. Every ``<td>`` has ``data-label`` (the column heading, shown on narrow
screens) and, for choices and figures, ``class="cell-choice"`` /
``class="cell-number"``; the first cell links to the record; a choice is a
badge ``span.pill.pill-<value>``.
"""

from __future__ import annotations

import html
from operator import attrgetter
from typing import NamedTuple

from django.db import models
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from apps.client_portal.core.display import Formatter

from .templatetags.portal_tags import css_token

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def column_kind(resource, name) -> str:
    """ "choice" for a short list of states (a badge), "number" for figures, else ""."""
    field = None if name in resource.computed_fields else _field(resource.model, name)
    if field is None:
        return ""
    if field.choices and len(field.flatchoices) <= 12:
        return "choice"
    if not field.choices and not field.is_relation and isinstance(
            field, (models.DecimalField, models.FloatField, models.IntegerField)):
        return "number"
    return ""


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 (FieldDoesNotExist and friends)
        return None


def _escape(text) -> str:
    """``conditional_escape`` for a cell's text, without its lazy-string checks."""
    if type(text) is str:
        return html.escape(text)
    return conditional_escape(text)


class Table(NamedTuple):
    objects: list  # the records of the page, for templates that list them again
    body: str  # the <tr> elements of the <tbody>, safe HTML


def _getter(resource, name):
    """``resource.value(obj, name)`` with its look-ups done once per page.

    Plain model fields are read as attributes; a choice field's label is
    ``resource.value``'s, worked out in ``build`` once per stored value.
    """
    if name in resource.computed_fields:
        return resource.computed_fields[name]
    field = _field(resource.model, name)
    if field is None or field.choices or field.many_to_many:
        return lambda obj: resource.value(obj, name)
    return attrgetter(name)


def build(resource, objects, columns, labels) -> Table:
    """The rows of ``objects`` under ``columns`` (with their ``labels``)."""
    fmt = Formatter()
    kinds = [column_kind(resource, c.name) for c in columns]
    getters = [_getter(resource, c.name) for c in columns]
    opens = [f'<td data-label="{escape(label)}"' + (f' class="cell-{kind}"' if kind else "")
             + ">" for label, kind in zip(labels, kinds, strict=True)]
    detail = reverse("portal:detail", args=[resource.slug, _PLACEHOLDER])
    before, after = (escape(part) for part in detail.split(_PLACEHOLDER, 1))
    names = [c.name for c in columns]
    choices = {}  # (column, stored value) -> its label, once per page
    pills = {}  # (stored value, label) -> the badge
    lines = []
    for obj in objects:
        parts = ["<tr>"]
        for index, (name, kind, open_td, getter) in enumerate(
                zip(names, kinds, opens, getters, strict=True)):
            if kind == "choice":
                stored = getattr(obj, name)
                key = (name, stored)
                text = choices.get(key)
                if text is None:
                    text = choices[key] = force_str(getter(obj))
            else:
                stored = None
                text = fmt(getter(obj))
            parts.append(open_td)
            if index == 0:
                parts.append(f'<a class="row-link" href="{before}{obj.uuid}{after}">'
                             f"{_escape(text) if text else '—'}</a>")
            elif kind == "choice" and text:
                pill = pills.get((stored, text))
                if pill is None:
                    pill = pills[stored, text] = (
                        f'<span class="pill pill-{escape(css_token(stored))}">'
                        f"{_escape(text)}</span>")
                parts.append(pill)
            else:
                parts.append(_escape(text))
            parts.append("</td>")
        parts.append("</tr>")
        lines.append("".join(parts))
    # Every value and attribute above went through escape()/conditional_escape().
    return Table(list(objects), mark_safe("\n".join(lines)))  # noqa: S308
