"""The rows of a back-office list, for the admins generated from the registry.

django-unfold writes each cell through ``format_html`` with its responsive
classes, each row through a template with a ``{% cycle %}`` and an include, and
looks each field up again per row: measured, most of a 50-row page. Here the
per-page work (classes, labels, the change URL with a mark for the key, the
kept filters, the formats) is done once and each row is one string, with the
same classes, labels and links as unfold's, so its stylesheet and script apply.
"""

from __future__ import annotations

from html import escape

from django import template
from django.contrib.admin.templatetags.admin_list import result_hidden_fields
from django.contrib.admin.utils import quote
from django.db import models
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.client_portal.core.display import Formatter

register = template.Library()

_MARK = "cp-admin-pk-mark"
_ROW = ("data-row block border border-base-200 mb-3 relative rounded-default lg:table-row "
        "lg:border-none lg:mb-0 lg:rounded-none dark:border-base-800")
_STRIPE = ("", " bg-base-50 dark:bg-white/[.02]")


def _cell(cl, name, fmt, empty):
    """A function writing the cell text of column ``name`` for a record, looked up once."""
    model_admin = cl.model_admin
    if callable(name):
        read = name
    elif hasattr(model_admin, name) and not hasattr(cl.model, name):
        read = getattr(model_admin, name)
    else:
        try:
            field = cl.model._meta.get_field(name)
        except Exception:  # noqa: BLE001 (a model attribute or property)
            field = None
        if field is not None and field.choices:
            labels = {value: force_str(label) for value, label in field.flatchoices}

            def read(obj, _name=name, _labels=labels):
                value = getattr(obj, _name)
                return _labels.get(value, value)
        else:
            def read(obj, _name=name):
                value = getattr(obj, _name)
                return value() if callable(value) and field is None else value

    def text(obj):
        value = read(obj)
        if value is None or value == "":
            return empty
        return escape(str(value) if isinstance(value, models.Model) else fmt(value))

    return text


@register.simple_tag(takes_context=True)
def cp_result_list(context, cl):
    # Imported here: template libraries load while unfold.admin is being imported.
    from unfold.templatetags import unfold_list

    from apps.client_portal.core.admin_base import _row_checkbox

    headers = list(unfold_list.result_headers(cl))  # once per page (core/admin_base.py)
    sorted_fields = sum(1 for h in headers if h["sortable"] and h["sorted"])
    head = get_template("unfold/helpers/change_list_headers.html").render({
        "cl": cl, "result_headers": headers, "num_sorted_fields": sorted_fields,
    })
    hidden = "".join(str(f) for f in result_hidden_fields(cl))
    if not cl.result_list:
        return get_template("unfold/helpers/empty_results.html").render(context.flatten())
    fmt = Formatter()
    empty = escape(str(cl.model_admin.get_empty_value_display()))
    names = list(cl.list_display)
    labels = [escape(str(h["text"])) for h in headers]
    cells_of = [None if name == "action_checkbox" else _cell(cl, name, fmt, empty)
                for name in names]
    select = escape(_("Select record"))
    row_classes = " ".join(unfold_list.ROW_CLASSES)
    checkbox_classes = " ".join(unfold_list.CHECKBOX_CLASSES)
    link_classes = " ".join(unfold_list.LINK_CLASSES)
    try:
        change = reverse(f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
                         args=[_MARK], current_app=cl.model_admin.admin_site.name)
    except NoReverseMatch:
        change = None
    # The list's filters, kept for the way back (add_preserved_filters' query string).
    kept = "?" + cl.preserved_filters if cl.preserved_filters else ""
    rows = []
    for index, obj in enumerate(cl.result_list):
        cells = []
        linked = False
        for position, name in enumerate(names):
            if name == "action_checkbox":
                cells.append(f'<td class="{checkbox_classes}" data-label="{select}">'
                             f"{_row_checkbox(obj.pk)}</td>")
                continue
            value = cells_of[position](obj)
            field_class = f"field-{name if isinstance(name, str) else name.__name__}"
            if not linked and change is not None:
                linked = True
                url = change.replace(_MARK, quote(str(obj.pk))) + escape(kept)
                cells.append(f'<th class="{field_class} {row_classes}" data-label="'
                             f'{labels[position]}"><a href="{url}" class="{link_classes}">'
                             f"{value}</a></th>")
            else:
                cells.append(f'<td class="{field_class} {row_classes}" data-label="'
                             f'{labels[position]}">{value}</td>')
        rows.append(f'<tbody class="block relative lg:table-row-group{_STRIPE[index % 2]}">'
                    f'<tr class="{_ROW}">{"".join(cells)}</tr></tbody>')
    wrap = ("-mx-1 px-1 overflow-x-auto lg:border lg:border-base-200 lg:mx-0 lg:px-0 "
            "lg:shadow-xs lg:dark:border-base-800 lg:bg-white lg:dark:bg-base-900 "
            + ("lg:rounded-b-default" if cl.search_fields or cl.has_filters
               else "lg:rounded-default"))
    html = (f'{hidden}<div class="{wrap}" data-simplebar data-simplebar-auto-hide="false">'
            f'<table id="result_list" class="result-list block border-base-200 '
            f'border-spacing-none border-separate w-full lg:table">{head}{"".join(rows)}'
            "</table></div>")
    return mark_safe(html)  # noqa: S308 (every value above went through escape())
