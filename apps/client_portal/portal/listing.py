"""What a list page shows besides its rows: headings, sort links, filters, paging."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .table import build as build_table
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


def list_context(request, resource, page, filterset, page_sizes) -> dict:
    params = request.GET
    query = clean_query(params)
    ordering = params.get("ordering", "")
    columns = resource.columns()
    labels = [resource.field_label(c.name) for c in columns]
    sortable = set(resource.sortable_fields())
    head = mark_safe("".join(  # noqa: S308 (each cell is format_html output)
        sort_header(col.name, label, ordering, query) if col.name in sortable
        else format_html('<th scope="col">{}</th>', label)
        for col, label in zip(columns, labels, strict=True)
    ))
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
        "active_filters": active,
        "query": query,
        "ordering": ordering,
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
