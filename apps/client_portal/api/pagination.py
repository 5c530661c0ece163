"""API list paging: pages with a count that stops at 10,000, or cursors for long lists.

By default a list answers ``{"count", "count_capped", "next", "previous", "results"}``;
past 10,000 matching rows ``count`` is 10,000, ``count_capped`` is true, and
``next`` still leads on. With ``?cursor=`` (empty for the first page) the list is
walked by opaque cursors in the resource's default order: each page costs the
same however deep it is, and rows added meanwhile are neither skipped nor repeated.
"""

from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.client_portal.core.paging import COUNT_CAP, paginate

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


def _page_size(request) -> int:
    try:
        size = int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


class _Cursor(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def __init__(self, ordering):
        self.ordering = ordering


class Pagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        if "cursor" in request.query_params:
            ordering = tuple(view.resource.ordering) if view is not None else ("-pk",)
            self.cursor = _Cursor(ordering)
            return self.cursor.paginate_queryset(queryset.order_by(*ordering), request, view)
        self.cursor = None
        self.page = paginate(queryset, request.query_params.get("page"), _page_size(request))
        return self.page.object_list

    def _link(self, number):
        url = self.request.build_absolute_uri()
        if number is None:
            return None
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def get_paginated_response(self, data):
        if self.cursor is not None:
            return self.cursor.get_paginated_response(data)
        page = self.page
        return Response({
            "count": page.count,
            "count_capped": page.capped,
            "next": self._link(page.next_page_number if page.has_next else None),
            "previous": self._link(page.previous_page_number if page.has_previous else None),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "example": 123,
                          "description": f"Exact up to {COUNT_CAP}; see count_capped."},
                "count_capped": {"type": "boolean",
                                 "description": f"More than {COUNT_CAP} rows match."},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "page", "required": False, "in": "query",
             "schema": {"type": "integer"}, "description": "Page number (from 1)."},
            {"name": "page_size", "required": False, "in": "query",
             "schema": {"type": "integer"},
             "description": f"Rows per page, at most {MAX_PAGE_SIZE}."},
            {"name": "cursor", "required": False, "in": "query",
             "schema": {"type": "string"},
             "description": "Walk the list by cursors instead of pages: empty for the "
                            "first page, then the cursor of the `next` link."},
        ]
