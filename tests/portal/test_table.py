"""The list table built in Python (portal/table.py): Django's formats, labels, escaping."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from apps.client_portal.core.display import Formatter
from apps.client_portal.core.registry import registry
from apps.client_portal.portal.table import build, column_kind

LANGUAGES = ["en", "ro", "bg", "ru", "uk", "pl"]

VALUES = [
    None, "", "plain <b>text</b>", True, False, 0, 12345, 3.5,
    Decimal("5000"), Decimal("-1234567.5"), Decimal("0.004"), Decimal("-0.004"),
    Decimal("-0.00"), Decimal("999.999"), Decimal("1E+3"), Decimal("12345678901234.56"),
    # Amounts as stored (two decimals), which take the page formatter's short way.
    Decimal("0.00"), Decimal("0.01"), Decimal("-0.01"), Decimal("0.5"), Decimal("-999.99"),
    Decimal("1000.00"), Decimal("-1000000.00"), Decimal("123456.78"), Decimal("7"),
    dt.date(2015, 6, 21), dt.date(999, 1, 2), dt.date(1, 1, 1),
    dt.datetime(2015, 6, 21, 7, 5, tzinfo=dt.UTC),
    dt.datetime(2015, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 31, 0, 30, tzinfo=ZoneInfo("Europe/Bucharest")),
]

def _django_text(value):
    """What Django's own formatting functions write for ``value`` (the reference)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(translation.gettext("Yes") if value else translation.gettext("No"))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return str(value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_formatter_writes_what_djangos_formats_write(lang):
    with translation.override(lang):
        fmt = Formatter()
        for value in VALUES:
            assert fmt(value) == _django_text(value), (lang, value)


def _cells(body):
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r'<td data-label="([^"]*)"(?: class="([\w -]+)")?>(.*?)</td>', row, re.S)
            for row in rows]


def _plain(html):
    """A cell's HTML without the break points it carries: an e-mail's <wbr>, the
    no-break space that keeps an amount with its currency."""
    html = re.sub(r'<span class="email">(.*?)</span>', r"\1", html)
    return html.replace("<wbr>", "").replace("\u00a0", " ")


def _folds(body):
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r'<div class="fold-(\d)"><dt>([^<]*)</dt><dd[^>]*>(.*?)</dd></div>', row,
                       re.S)
            for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "ro"])
@pytest.mark.parametrize("slug", [r.slug for r in registry if not r.singleton])
def test_each_cell_shows_the_records_value_under_its_label(demo, slug, lang):
    """Primary and secondary columns have a cell; secondary and folded ones an entry
    "label: value" in the first cell; each shows the record's value."""
    from django.utils.html import escape

    resource = registry.get(slug)
    owner = demo.users["owner"]
    access = owner.memberships.get(organization=demo.organizations["northwind"]).access()
    with translation.override(lang):
        objects = list(resource.get_list_queryset(access)[:5])
        assert objects, f"{slug}: no demo rows"
        columns = resource.columns()
        labels = [resource.field_label(c.name) for c in columns]
        body = str(build(resource, objects, columns, labels).body)
        rows, folds = _cells(body), _folds(body)
        assert len(rows) == len(objects)
        pairs = list(enumerate(zip(columns, labels, strict=True)))
        own = [(col, label) for index, (col, label) in pairs if index == 0 or col.priority < 3]
        folded = [(col, label) for index, (col, label) in pairs if index and col.priority > 1]
        for obj, cells, entries in zip(objects, rows, folds, strict=True):
            assert [label for label, _cls, _html in cells] == [escape(lb) for _c, lb in own]
            assert [label for _p, label, _html in entries] == [escape(lb) for _c, lb in folded]
            for (col, _label), (_l, cls, html) in zip(own, cells, strict=True):
                kind = column_kind(resource, col.name)
                assert (f"cell-{kind}" in cls) if kind else "cell-" not in cls
                assert ("col-2" in cls) == (col.priority == 2 and col is not columns[0])
                # A code column shows the stored code ("RON"), not its label.
                text = (str(getattr(obj, col.name)) if col.code
                        else resource.display_text(obj, col.name))
                assert _plain(escape(text)) in _plain(html) or (not text and "—" in html), (
                    col.name, html)
            for (col, _label), (priority, _l, html) in zip(folded, entries, strict=True):
                assert int(priority) == col.priority
                text = (str(getattr(obj, col.name)) if col.code
                        else resource.display_text(obj, col.name))
                assert _plain(escape(text)) in _plain(html) or (not text and "—" in html), (
                    col.name, html)
            assert f'/p/{slug}/{obj.uuid}/' in cells[0][2]


@pytest.mark.django_db
def test_text_is_escaped_and_an_empty_first_cell_shows_a_dash(demo):
    from apps.client_portal.core.models import Feedback

    resource = registry.get("feedback")
    obj = Feedback.objects.first()
    obj.subject = '<script>alert("x")</script>'
    columns = resource.columns()
    labels = [resource.column_label(c.name) for c in columns]
    body = str(build(resource, [obj], columns, labels).body)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    obj.subject = ""
    body = str(build(resource, [obj], columns, labels).body)
    assert f'href="/p/feedback/{obj.uuid}/">—</a>' in body
