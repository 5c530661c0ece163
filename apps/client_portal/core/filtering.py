"""Filters, quick views, search and ordering of a resource's list.

The portal and the API both call ``filter_queryset`` with the request's query
parameters, so a list filtered the same way gives the same rows through either
door.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# Query parameters of a list that are not filters: paging, ordering, preset, search.
NOT_FILTERS = frozenset({"page", "page_size", "ordering", "view", "search", "format", "cursor",
                         "filters", "part"})
SEARCH_MAX = 200

FILTER_LOOKUPS = {
    models.DateTimeField: ["date__gte", "date__lte"],
    models.DateField: ["gte", "lte"],
    models.DecimalField: ["gte", "lte"],
    models.IntegerField: ["exact", "gte", "lte"],
}


class AnyYesNo(forms.NullBooleanSelect):
    """A yes/no filter: "Any" (no filter), "Yes", "No"; the values stay "true"/"false"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def build_filterset(resource) -> type[django_filters.FilterSet]:
    """A django-filter FilterSet from ``resource.filters`` and ``resource.extra_filters``."""
    fields = {}
    declared = {}
    for name in resource.filters:
        if name in resource.extra_filters:
            declared[name] = resource.extra_filters[name]
            continue
        model_field = resource.model._meta.get_field(name)
        label = capfirst(model_field.verbose_name)
        if model_field.is_relation:
            to_field = "uuid" if hasattr(model_field.related_model, "uuid") else "pk"
            declared[name] = django_filters.UUIDFilter(field_name=f"{name}__{to_field}",
                                                       label=label)
        elif isinstance(model_field, models.BooleanField):
            declared[name] = django_filters.BooleanFilter(field_name=name, label=label,
                                                          widget=AnyYesNo)
        elif model_field.choices:
            fields[name] = ["exact"]
        else:
            fields[name] = next(
                (lookups for kind, lookups in FILTER_LOOKUPS.items()
                 if isinstance(model_field, kind)),
                ["exact"],
            )
    meta = type("Meta", (), {"model": resource.model, "fields": fields})
    return type(f"{resource.__name__}FilterSet", (django_filters.FilterSet,),
                {"Meta": meta, **declared})


def filter_queryset(resource, qs, params):
    """Apply the filters, the quick view, the search and the ordering of ``params``.

    Returns ``(queryset, filterset)``; the filter set is None when the request
    asks for no filter (its form is then made only if a page shows it).
    """
    filterset = None
    if any(key not in NOT_FILTERS for key in params):
        filterset = resource.filterset_class()(params, queryset=qs)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    preset = resource.preset(params.get("view"))
    if preset is not None:
        qs = qs.filter(preset.condition())
    term = (params.get("search") or "").strip()[:SEARCH_MAX]
    if term and resource.search_fields:
        condition = Q()
        for name in resource.search_fields:
            condition |= Q(**{f"{name}__icontains": term})
        qs = qs.filter(condition)
    ordering = requested_ordering(resource, params.get("ordering"))
    if ordering:
        qs = qs.order_by(*ordering)
    return qs, filterset


def requested_ordering(resource, value) -> list[str] | None:
    if not value or value.lstrip("-") not in resource.sortable_fields():
        return None
    # A unique tie-breaker keeps pages stable.
    return [value, "-pk" if value.startswith("-") else "pk"]
