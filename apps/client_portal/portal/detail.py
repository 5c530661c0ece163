"""What a detail page shows, from the resource's layout: values, badges, related tables."""

from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.utils.encoding import force_str
from django.utils.text import capfirst

from apps.client_portal.core.display import Formatter, money_html

from .table import _field, column_kind
from .templatetags.portal_tags import css_token


class Value(NamedTuple):
    name: str
    label: str
    text: str
    kind: str  # "choice" (a badge), "number", "date" or ""
    token: str  # the stored value of a choice, for the badge's colour


def detail_value(resource, obj, name, fmt=None) -> Value:
    """Field ``name`` of ``obj`` as a detail page shows it."""
    fmt = fmt or Formatter()
    kind = column_kind(resource, name)
    value = resource.value(obj, name)
    currency = resource.money_fields.get(name)
    if currency and value is not None and value != "":
        # An amount reads with its currency, as one piece: "1,708.25 RON".
        text = money_html(value, getattr(obj, currency, "") or "", fmt)
    else:
        text = fmt(value)
    token = ""
    if kind == "choice":
        found = resource.computed_fields.get(name)
        token = css_token(found.badge(obj) if found is not None else getattr(obj, name, ""))
    return Value(name, resource.field_label(name), text, kind, token)


def optional(resource, name) -> bool:
    """Whether field ``name`` may be left empty and is empty on most records (a note,
    the invoice a credit note corrects): a section leaves it out where it is empty."""
    if name in resource.computed_fields:
        return False
    field = _field(resource.model, name)
    return field is not None and bool(field.null or field.blank) and not field.has_default()


def section_values(resource, obj, names, fmt=None) -> list[Value]:
    """The values of a section of ``obj``'s detail page: every field, but an optional
    one only where it has a value."""
    fmt = fmt or Formatter()
    values = [detail_value(resource, obj, name, fmt) for name in names]
    return [v for v in values if v.text or not optional(resource, v.name)]


class Cell(NamedTuple):
    label: str
    text: str
    number: bool


class RelatedTable(NamedTuple):
    related: object
    title: str
    labels: list  # (label, number)
    rows: list  # lists of Cell


def _rows(related, obj):
    if related.rows is not None:
        return list(related.rows(obj))
    found = getattr(obj, related.name)
    if isinstance(found, models.Manager):
        rows = found.all()
        # Whatever the relation, rows of another organization never show on this page.
        if hasattr(obj, "organization_id") and any(
                f.name == "organization" for f in rows.model._meta.get_fields()):
            rows = rows.filter(organization_id=obj.organization_id)
        return list(rows)
    return list(found() if callable(found) else found)


def _label(model, name, given):
    if name in given:
        return str(given[name])
    field = _field(model, name) if model is not None else None
    if field is not None:
        return str(capfirst(field.verbose_name))
    return capfirst(name.replace("_", " "))


def related_table(related, obj) -> RelatedTable:
    """The related rows of ``obj`` under the columns ``related`` declares."""
    fmt = Formatter()
    rows = _rows(related, obj)
    model = rows[0].__class__ if rows and isinstance(rows[0], models.Model) else None
    labels = [(_label(model, name, related.labels), name in related.numbers)
              for name in related.columns]
    body = []
    for row in rows:
        cells = []
        for name, (label, number) in zip(related.columns, labels, strict=True):
            formatter = related.format.get(name)
            if formatter is not None:
                text = formatter(row)
            else:
                value = row.get(name) if isinstance(row, dict) else getattr(row, name, "")
                text = fmt(value)
            cells.append(Cell(label, force_str(text), number))
        body.append(cells)
    return RelatedTable(related, str(related.title or ""), labels, body)
