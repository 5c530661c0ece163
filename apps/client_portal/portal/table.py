"""The body of a list page's table, built in Python in one pass.

A list page shows 50 rows of several columns; through the template engine each
cell cost a handful of variable look-ups, ``{% if %}`` tests and, in the first
column, a ``{% url %}``. Here everything that is the same for every row is
worked out once per page (labels, column kinds, the opening ``<td>`` of each
column, the detail URL with a placeholder for the record's id, the active
language's number and date formats) and each row is one string.

The HTML is the one ``portal/_results.html`` wrote cell by cell: every ``<td>``
has ``data-label`` (the column heading, shown on narrow screens) and, for
choices and figures, ``class="cell-choice"`` / ``class="cell-number"``; the
first cell links to the record (``a.row-link``, "—" when empty); a choice is a
badge ``span.pill.pill-<value>``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
from contextlib import suppress
from functools import partialmethod
from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import dateformat, numberformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.client_portal.core.registry import Resource, _choice_label, format_value

from .templatetags.portal_tags import css_token

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
_ZERO = decimal.Decimal("0.00")


class Cell(NamedTuple):
    """One list cell: the text shown, its column's label, and what it holds.

    ``kind`` is "choice" for a field with a short list of choices (a state such as
    "new" or "overdue", shown as a badge styled by ``value``), "number" for figures
    (right-aligned), or "".
    """

    text: str
    label: str
    kind: str
    value: object


def column_kind(resource, name):
    if getattr(resource, f"col_{name}", None) is not None:
        return ""
    try:
        field = resource.model._meta.get_field(name)
    except FieldDoesNotExist:
        return ""
    # A long list such as countries is data, not a state: it stays plain text.
    if field.choices and len(field.flatchoices) <= 12:
        return "choice"
    if (
        not field.choices
        and isinstance(field, (models.DecimalField, models.FloatField, models.IntegerField))
        and not field.is_relation
    ):
        return "number"
    return ""


# --- formatting -----------------------------------------------------------------------
_DATE_PARTS = {
    "d": "{0.day:02d}",
    "m": "{0.month:02d}",
    "Y": "{0.year:04d}",
    "H": "{0.hour:02d}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
}


def _compile_date_format(fmt: str):
    """A ``str.format`` pattern equal to Django's date format ``fmt``, or None.

    Only for formats made of zero-padded numbers (d m Y H i s) and punctuation,
    such as "d.m.Y H:i"; anything else (month names, escapes) goes through
    ``django.utils.dateformat`` as before.
    """
    out = []
    for char in fmt:
        if char in _DATE_PARTS:
            out.append(_DATE_PARTS[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            out.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


class Formatter:
    """``format_value`` for one page: the active language's formats looked up once.

    Gives the same text as :func:`apps.client_portal.core.registry.format_value`
    (the tests compare both in every language of the portal).
    """

    def __init__(self):
        self.date_format = get_format("SHORT_DATE_FORMAT")
        self.datetime_format = get_format("SHORT_DATETIME_FORMAT")
        self._date = _compile_date_format(self.date_format)
        self._datetime = _compile_date_format(self.datetime_format)
        self.decimal_sep = get_format("DECIMAL_SEPARATOR", use_l10n=True)
        self.grouping = get_format("NUMBER_GROUPING", use_l10n=True)
        self.thousand_sep = get_format("THOUSAND_SEPARATOR", use_l10n=True)
        self.yes, self.no = str(_("Yes")), str(_("No"))
        self.tz = timezone.get_current_timezone()
        # From str.format's "," and "." to this language's separators (None: the same).
        self.separators = (
            None if (self.thousand_sep, self.decimal_sep) == (",", ".")
            else str.maketrans({",": self.thousand_sep, ".": self.decimal_sep})
        )

    def __call__(self, value) -> str:
        if value is None or value == "":
            return ""
        kind = type(value)
        if kind is str:
            return value
        if kind is bool:
            return self.yes if value else self.no
        if kind is dt.datetime or isinstance(value, dt.datetime):
            # timezone.localtime() without looking the time zone up again; it
            # refuses a naive value, and so does this.
            value = value.astimezone(self.tz) if value.utcoffset() is not None else (
                timezone.localtime(value))
            if self._datetime is not None and value.year >= 1000:
                return self._datetime.format(value)
            return dateformat.format(value, self.datetime_format)
        if kind is dt.date or isinstance(value, dt.date):
            if self._date is not None and value.year >= 1000:
                return self._date.format(value)
            return dateformat.format(value, self.date_format)
        if kind is decimal.Decimal or isinstance(value, decimal.Decimal):
            if self.grouping == 3 and value.as_tuple().exponent in (0, -1, -2):
                # Amounts (at most two decimals) as numberformat.format writes
                # them, through str.format: "-1,234.50" with this language's
                # separators. Zero has no sign there ("-0.00" is "0.00").
                text = f"{value if value else _ZERO:,.2f}"
                if self.separators is not None:
                    text = text.translate(self.separators)
                return text
            return numberformat.format(
                value,
                self.decimal_sep,
                2,
                self.grouping,
                self.thousand_sep,
                force_grouping=True,
                use_l10n=True,
            )
        if isinstance(value, bool):
            return self.yes if value else self.no
        return str(value)


class _ChoiceLabels:
    """A choice column's labels in the active language, for one page.

    The label of a stored value is worked out once per page (``_choice_label``,
    the standard ``get_<field>_display``) and reused for the other rows; a model
    with its own ``get_<field>_display`` is asked for every row, as it may look
    at other fields.
    """

    def __init__(self, field):
        self.field = field
        self.method = f"get_{field.name}_display"
        self.memo = {}
        self.standard = {}

    def __call__(self, obj):
        cls = type(obj)
        standard = self.standard.get(cls)
        if standard is None:
            owner = next(k for k in cls.__mro__ if self.method in k.__dict__)
            standard = self.standard[cls] = isinstance(owner.__dict__[self.method], partialmethod)
        if not standard:
            return _choice_label(obj, self.field)
        value = getattr(obj, self.field.attname)
        try:
            return self.memo[cls, value]
        except KeyError:
            label = self.memo[cls, value] = _choice_label(obj, self.field)
            return label
        except TypeError:  # a value that cannot be a key
            return _choice_label(obj, self.field)


def _escape(text):
    """``conditional_escape`` for a cell's text, without its lazy-string checks."""
    if type(text) is str:
        return html.escape(text)
    return conditional_escape(text)


def _value_getter(resource, name):
    """``resource.display`` for column ``name``, with its look-ups done once."""
    custom = getattr(resource, f"col_{name}", None)
    if custom is not None:
        return custom
    try:
        field = resource.model._meta.get_field(name)
    except FieldDoesNotExist:
        return lambda obj: resource.display(obj, name)
    if field.choices:
        return _ChoiceLabels(field)
    if field.many_to_many:
        return lambda obj: resource.display(obj, name)
    return lambda obj: getattr(obj, name)


# --- the rows -------------------------------------------------------------------------
class Table(NamedTuple):
    rows: list  # [(obj, [Cell, ...]), ...] for templates that list the records again
    body: str  # the <tr> elements of the <tbody>, safe HTML


def build(resource, objects, columns, labels) -> Table:
    """The rows of ``objects`` under ``columns`` (with their ``labels``)."""
    kinds = [column_kind(resource, c.name) for c in columns]
    custom_display = resource.display.__func__ is not Resource.display.__func__
    if custom_display or resource.display_text.__func__ is not Resource.display_text.__func__:
        getters = [(lambda obj, n=c.name: resource.display_text(obj, n)) for c in columns]
        fmt = None
    else:
        getters = [_value_getter(resource, c.name) for c in columns]
        fmt = Formatter()
    opens = [
        f'<td data-label="{escape(label)}"'
        + (f' class="cell-{escape(kind)}"' if kind else "")
        + ">"
        for label, kind in zip(labels, kinds, strict=True)
    ]
    detail = reverse("portal:detail", args=[resource.slug, _PLACEHOLDER])
    before, after = (escape(part) for part in detail.split(_PLACEHOLDER, 1))
    columns_info = list(zip(getters, labels, kinds, opens, [c.name for c in columns], strict=True))
    dash = "—"
    pills = {}  # (value, label) -> the badge's HTML, once per page
    rows = []
    lines = []
    for obj in objects:
        cells = []
        parts = ["<tr>"]
        first = True
        for getter, label, kind, open_td, name in columns_info:
            raw = getter(obj)
            text = fmt(raw) if fmt is not None else raw
            value = getattr(obj, name) if kind == "choice" else ""
            cells.append(Cell(text, label, kind, value))
            parts.append(open_td)
            if first:
                parts.append(
                    f'<a class="row-link" href="{before}{html.escape(str(obj.uuid))}{after}">'
                    f"{_escape(text) if text else dash}</a>"
                )
                first = False
            elif kind == "choice" and text:
                try:
                    parts.append(pills[value, text])
                except (KeyError, TypeError):
                    pill = (
                        f'<span class="pill pill-{escape(css_token(value))}">{_escape(text)}</span>'
                    )
                    with suppress(TypeError):  # a value that cannot be a key
                        pills[value, text] = pill
                    parts.append(pill)
            else:
                parts.append(_escape(text))
            parts.append("</td>")
        parts.append("</tr>")
        rows.append((obj, cells))
        lines.append("".join(parts))
    # Every value and attribute above went through escape()/conditional_escape().
    return Table(rows, mark_safe("\n".join(lines)))  # noqa: S308


__all__ = ["Cell", "Formatter", "Table", "build", "column_kind", "format_value"]
