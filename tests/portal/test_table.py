"""The list table built in Python (portal/table.py) says what the template said."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import timezone, translation

from apps.client_portal.core.registry import format_value, registry
from apps.client_portal.portal.table import Formatter, build, column_kind

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

# The <tbody> loop of portal/_results.html before the rows were built in Python.
TEMPLATE_ROWS = Template(
    "{% load portal_tags %}{% for obj, cells in rows %}<tr>{% for cell in cells %}"
    '<td data-label="{{ cell.label }}"{% if cell.kind %} class="cell-{{ cell.kind }}"{% endif %}>'
    "{% if forloop.first %}"
    '<a class="row-link" href="{% url \'portal:detail\' resource.slug obj.uuid %}">'
    '{{ cell.text|default:"—" }}</a>'
    '{% elif cell.kind == "choice" and cell.text %}'
    '<span class="pill pill-{{ cell.value|css_token }}">{{ cell.text }}</span>'
    "{% else %}{{ cell.text }}{% endif %}"
    "</td>{% endfor %}</tr>{% endfor %}"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_formatter_matches_format_value(lang):
    with translation.override(lang), timezone.override("Europe/Bucharest"):
        fmt = Formatter()
        for value in VALUES:
            assert fmt(value) == format_value(value), value


def _rows_through_template(resource, table):
    return TEMPLATE_ROWS.render(Context({"rows": table.rows, "resource": resource}))


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "ro"])
@pytest.mark.parametrize("slug", [r.slug for r in registry if not r.singleton])
def test_rows_are_the_html_the_template_wrote(demo, slug, lang):
    resource = registry.get(slug)
    objects = list(resource.model._default_manager.all()[:20])
    if not objects:
        pytest.skip(f"no demo rows for {slug}")
    with translation.override(lang):
        columns = resource.columns()
        labels = [resource.column_label(c.name) for c in columns]
        table = build(resource, objects, columns, labels)
        expected = _rows_through_template(resource, table)
        # The cells carry the same texts as Resource.display_text.
        for obj, cells in table.rows:
            assert [c.text for c in cells] == [resource.display_text(obj, c.name) for c in columns]
            assert [c.kind for c in cells] == [column_kind(resource, c.name) for c in columns]
    assert parse_html(str(table.body)) == parse_html(expected)
    assert str(table.body).count('class="row-link"') == len(objects)


@pytest.mark.django_db
def test_text_is_escaped_and_an_empty_first_cell_shows_a_dash(demo):
    from apps.client_portal.core.models import Notification

    resource = registry.get("notifications")
    obj = Notification.objects.first()
    obj.title = '<script>alert("x")</script>'
    columns = resource.columns()
    labels = [resource.column_label(c.name) for c in columns]
    body = str(build(resource, [obj], columns, labels).body)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    obj.title = ""
    first = columns[0].name
    setattr(obj, first, "")
    body = str(build(resource, [obj], columns, labels).body)
    assert f'href="/p/notifications/{obj.uuid}/">—</a>' in body


def _clear_list_memos():
    from apps.client_portal.portal import views

    for memo in (views._EMPTY_FILTERS, views._LIST_HEADS, views._TABLE_HEADS):
        memo.clear()


@pytest.mark.django_db
def test_filter_controls_are_the_same_cached_or_not_and_keep_applied_values(demo, login):
    from apps.client_portal.portal import views

    owner, northwind = demo.users["owner"], demo.organizations["northwind"]
    client = login(owner, northwind)
    _clear_list_memos()
    first = client.get("/p/notifications/").content.decode()
    assert ("notifications", "en") in views._EMPTY_FILTERS
    assert len(views._LIST_HEADS) == 1 and len(views._TABLE_HEADS) == 1
    again = client.get("/p/notifications/").content.decode()
    form = re.compile(r'<form class="filters".*?</form>', re.S)
    head = re.compile(r'<div class="page-head">.*?<p class="visually-hidden"', re.S)
    thead = re.compile(r"<thead>.*?</thead>", re.S)
    for pattern in (form, head, thead):
        assert pattern.search(first).group(0) == pattern.search(again).group(0)

    # An applied filter is shown with its value, not the cached empty controls.
    filtered = client.get("/p/notifications/?level=warning").content.decode()
    assert re.search(r'<option value="warning" selected>', form.search(filtered).group(0))
    assert '<option value="warning" selected>' not in form.search(first).group(0)
    assert '<option value="warning" selected>' not in form.search(again).group(0)
    # The sort links keep an applied filter.
    from apps.client_portal.core.models import Notification

    level = Notification.objects.filter(user=owner, organization=northwind).first().level
    sorted_head = thead.search(client.get(f"/p/notifications/?level={level}").content.decode())
    assert f"level={level}" in sorted_head.group(0)

    # Another language gets its own rendering.
    owner.language = "ro"
    owner.save(update_fields=["language"])
    ro = client.get("/p/notifications/").content.decode()
    assert ("notifications", "ro") in views._EMPTY_FILTERS
    assert form.search(ro).group(0) != form.search(first).group(0)
    assert thead.search(ro).group(0) != thead.search(first).group(0)


@pytest.mark.django_db
def test_kept_list_parts_equal_a_fresh_rendering(demo, login):
    """Every list page, from the kept parts and rendered afresh, is the same HTML."""
    from apps.client_portal.core.registry import registry

    client = login(demo.users["owner"], demo.organizations["northwind"])
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    urls = []
    for resource in registry:
        if resource.singleton:
            continue
        base = f"/p/{resource.slug}/"
        first_sortable = (resource.sortable_fields() or ["pk"])[0]
        urls += [base, f"{base}?page_size=25&ordering=-{first_sortable}"]
        urls += [base + f"?view={p.name}&search=a" for p in resource.presets[:1]]
    checked = 0
    for url in urls:
        _clear_list_memos()
        first = client.get(url)
        if first.status_code != 200:
            continue
        fresh = csrf.sub("", first.content.decode())
        kept = csrf.sub("", client.get(url).content.decode())
        assert fresh == kept, url
        checked += 1
    assert checked >= 20


@pytest.mark.django_db
def test_the_kept_list_head_follows_the_right_to_create(demo, login):
    northwind = demo.organizations["northwind"]
    new_button = "/p/feedback/new/"
    member = login(demo.users["member"], northwind)
    assert new_button in member.get("/p/feedback/").content.decode()
    viewer = login(demo.users["viewer"], northwind)
    assert new_button not in viewer.get("/p/feedback/").content.decode()
