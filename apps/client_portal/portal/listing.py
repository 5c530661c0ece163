"""What a list page shows besides its rows: headings, sort links, filters, paging."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .table import build as build_table
from .table import column_kind
from .templatetags.portal_tags import sort_header

# Parameters of the page itself, not of the list: the open filter panel, a part.
PAGE_PARAMS = ("page", "filters", "part")


def clean_query(params, drop=PAGE_PARAMS) -> str:
    """The query string with only the parameters that are set, without ``drop``."""
    kept = params.copy()
    for key in list(kept):
        values = [v for v in kept.getlist(key) if v != ""]
        if key in drop or not values:
            kept.pop(key)
        else:
            kept.setlist(key, values)
    return kept.urlencode()


def canonical_params(resource, params):
    """``params`` with each set parameter once: no empty values, no repeats, no page 1,
    no page part. ``None`` where ``params`` is that already."""
    kept = params.copy()
    changed = False
    for key in list(kept):
        values = kept.getlist(key)
        wanted = list(dict.fromkeys(v for v in values if v != ""))
        if key == "part" or (key == "page" and wanted == ["1"]):
            wanted = []
        if wanted != values:
            changed = True
            if wanted:
                kept.setlist(key, wanted)
            else:
                kept.pop(key)
    return kept if changed else None


def list_context(request, resource, page, filterset, page_sizes) -> dict:
    params = request.GET
    query = clean_query(params)
    ordering = params.get("ordering", "")
    columns = resource.columns()
    labels = [resource.field_label(c.name) for c in columns]
    sortable = set(resource.sortable_fields())
    head_cells = []
    for index, (col, label) in enumerate(zip(columns, labels, strict=True)):
        priority = 1 if index == 0 else col.priority
        if priority > 2:
            continue  # shown in the row only
        kind = column_kind(resource, col.name)
        css = " ".join(([f"cell-{kind}"] if kind else []) + (["col-2"] if priority == 2 else []))
        head_cells.append(
            sort_header(col.name, label, ordering, query, css) if col.name in sortable
            else format_html('<th scope="col"{}>{}</th>',
                             format_html(' class="{}"', css) if css else "", label))
    head = mark_safe("".join(head_cells))  # noqa: S308 (each cell is format_html output)
    table = build_table(resource, page.object_list, columns, labels)
    names = list(resource.filterset_class().base_filters)
    active = sum(1 for name in names if params.get(name))
    # The filter controls are written only when the panel shows them: some filter
    # is set, or the panel was opened (without JavaScript, ?filters=open).
    show_filters = bool(active) or params.get("filters") == "open"
    return {
        "resource": resource,
        "columns": list(zip(columns, labels, strict=True)),
        "objects": table.objects,
        "table_head": head,
        "table_body": table.body,
        "page": page,
        "filterset": filter_form(resource, filterset, params) if show_filters else None,
        "filterset_fields": bool(names),
        "show_filters": show_filters,
        # Closed unless opened: a phone shows the records first; the button counts
        # the active filters, whose controls are in the form (and sent) all the same.
        "open_filters": params.get("filters") == "open",
        "active_filters": active,
        "query": query,
        "ordering": ordering,
        "sort_options": sort_options(resource, labels_by_name(resource, columns, labels)),
        "search": params.get("search", ""),
        "view": params.get("view", ""),
        "page_size": page.page_size,
        "page_sizes": page_sizes,
        "can_create": resource.can_create(request.access),
    }


def filter_form(resource, filterset, params):
    """The filter set whose form the panel shows, bound to ``params`` when some are set."""
    if filterset is not None:
        return filterset
    return resource.filterset_class()(None, queryset=resource.model._default_manager.none())


def labels_by_name(resource, columns, labels) -> dict:
    return {col.name: label for col, label in zip(columns, labels, strict=True)}


def sort_options(resource, labels) -> list[tuple[str, str]]:
    """(value, text) of the sort select shown above the cards on a phone."""
    options = []
    for name in resource.sortable_fields():
        label = labels.get(name) or resource.field_label(name)
        options.append((name, _("%(field)s, ascending") % {"field": label}))
        options.append((f"-{name}", _("%(field)s, descending") % {"field": label}))
    return options
