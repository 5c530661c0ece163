"""The rows of a list page's table, built in Python in one pass.

Everything that is the same for every row is worked out once per page (labels,
column kinds, the opening ``<td>`` of each column, the detail URL, the active
language's formats, the label of each choice value) and each row is one
string. Every ``<td>`` has ``data-label`` (the column heading, shown on narrow
screens) and, for choices, figures and dates, ``class="cell-choice"`` /
``"cell-number"`` / ``"cell-date"``; the first cell links to the record and
holds the lower-priority columns as a folded list (``dl.fold``); a choice is a
badge ``span.pill.pill-<value>``.
"""

from __future__ import annotations

import html
import re
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
    """ "choice" for a short list of states (a badge), "number" for figures, "date" for
    dates and times (figures and dates never wrap), else ""."""
    found = resource.computed_fields.get(name)
    if found is not None:
        if found.badge is not None:
            return "choice"
        # A value computed from one date alone is that date as people read it
        # ("2026-12-01 04:40 EET"): it never wraps either.
        needs = found.needs or ()
        if len(needs) == 1 and isinstance(_field(resource.model, needs[0]), models.DateField):
            return "date"
        return ""
    field = _field(resource.model, name)
    if field is None:
        return ""
    if field.choices and len(field.flatchoices) <= 12:
        return "choice"
    if not field.choices and not field.is_relation and isinstance(
            field, (models.DecimalField, models.FloatField, models.IntegerField)):
        return "number"
    if isinstance(field, models.DateField):  # DateTimeField too
        return "date"
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


_AMOUNT_CODE = re.compile(r"(\d) ([A-Z]{3})\b")


def _breaks(text: str) -> str:
    """Escaped ``text`` with its breaks where people expect them: an e-mail address
    is whole on a wide screen and on a phone breaks before its "@" (and its domain's
    dots), never inside a word; an amount never parts from its currency code
    ("1,732.64 RON")."""
    if "@" in text and " " not in text:
        local, domain = text.split("@", 1)
        return f'<span class="email">{local}<wbr>@{domain.replace(".", "<wbr>.")}</span>'
    return _AMOUNT_CODE.sub("\\1\u00a0\\2", text) if " " in text else text


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


def _badge(resource, name):
    found = resource.computed_fields.get(name)
    return found.badge if found is not None else None


def _cell_class(kind: str, priority: int) -> str:
    classes = ([f"cell-{kind}"] if kind else []) + ([f"col-{priority}"] if priority > 1 else [])
    return f' class="{" ".join(classes)}"' if classes else ""


def build(resource, objects, columns, labels) -> Table:
    """The rows of ``objects`` under ``columns`` (with their ``labels``).

    A primary column has its cell; a secondary one (priority 2) has its cell
    (``td.col-2``) and an entry in the first cell's folded list (``.fold-2``), and
    the stylesheet shows one of the two as the table has room; a folded one
    (priority 3) has only its entry (``.fold-3``), shown as "label: value".
    """
    fmt = Formatter()
    kinds = [column_kind(resource, c.name) for c in columns]
    getters = [_getter(resource, c.name) for c in columns]
    priorities = [1 if index == 0 else c.priority for index, c in enumerate(columns)]
    opens = [f'<td data-label="{escape(label)}"{_cell_class(kind, priority)}>'
             for label, kind, priority in zip(labels, kinds, priorities, strict=True)]
    folds = [(f'<div class="fold-{priority}"><dt>{escape(label)}</dt><dd'
              + (f' class="cell-{kind}"' if kind else "") + ">") if priority > 1 else ""
             for label, kind, priority in zip(labels, kinds, priorities, strict=True)]
    detail = reverse("portal:detail", args=[resource.slug, _PLACEHOLDER])
    before, after = (escape(part) for part in detail.split(_PLACEHOLDER, 1))
    names = [c.name for c in columns]
    badges = [_badge(resource, name) for name in names]
    codes = [c.code for c in columns]
    has_folds = any(p > 1 for p in priorities)
    # An amount reads with its currency: "1,708.25 RON", never a bare figure.
    money = resource.money_fields
    currencies = [money.get(name) for name in names]
    choices = {}  # (column, stored value) -> its label, once per page
    pills = {}  # (stored value, label) -> the badge
    lines = []
    for obj in objects:
        cells = []
        folded = []
        for index, (name, kind, getter) in enumerate(zip(names, kinds, getters, strict=True)):
            if kind == "choice":
                badge = badges[index]
                stored = badge(obj) if badge is not None else getattr(obj, name)
                key = (name, stored)
                text = choices.get(key) if badge is None else None
                if text is None:
                    text = choices[key] = (str(stored) if codes[index]
                                           else force_str(getter(obj)))
            else:
                stored = None
                text = fmt(getter(obj))
            if index == 0:
                inner = (f'<a class="row-link" href="{before}{obj.uuid}{after}">'
                         f"{_escape(text) if text else '—'}</a>")
            elif kind == "choice" and text:
                inner = pills.get((stored, text))
                if inner is None:
                    inner = pills[stored, text] = (
                        f'<span class="pill pill-{escape(css_token(stored))}">'
                        f"{_escape(text)}</span>")
            elif currencies[index] and text:
                code = getattr(obj, currencies[index], "") or ""
                inner = (f'<span class="money">{_escape(text)} {_escape(code)}</span>' if code
                         else _escape(text))
            else:
                inner = _breaks(_escape(text))
            priority = priorities[index]
            if priority > 1:
                folded.append(f"{folds[index]}{inner or '—'}</dd></div>")
            if priority < 3:
                cells.append([opens[index], inner])
        if has_folds:
            cells[0].append(f'<dl class="fold">{"".join(folded)}</dl>')
        lines.append("<tr>" + "".join("".join(cell) + "</td>" for cell in cells) + "</tr>")
    # Every value and attribute above went through escape()/conditional_escape().
    return Table(list(objects), mark_safe("\n".join(lines)))  # noqa: S308
