"""The resource registry: each client-visible entity declared once.

A ``Resource`` names a model (whose ``ScopedQuerySet.for_access`` is the one
tenant predicate), the role needed to read it, its list columns, filters,
search, default order, detail layout, workflow actions, forms and files. The
portal pages, the API viewsets, the admin defaults and the security sweep are
all generated from the registered resources.

Declare a resource in ``<module>/resources.py``::

    @registry.register
    class FeedbackResource(Resource):
        model = Feedback
        slug = "feedback"
        list_columns = ["subject", "kind", "status", "created_at"]
        filters = ["kind", "status", "created_at"]
        search_fields = ["subject", "body"]
        actions = [Action("withdraw", _("Withdraw"), role=Role.MEMBER)]
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from functools import partial, partialmethod
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.encoding import force_str
from django.utils.functional import SimpleLazyObject
from django.utils.hashable import make_hashable
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from . import audit
from .tenancy import Access, Role


@dataclass(frozen=True)
class Action:
    """A workflow step offered as a button in the portal and a POST in the API.

    ``method`` is the model method to call (a django-fsm transition or a plain
    method); it receives ``by=<user>`` and ``access=<Access>`` keyword arguments.
    """

    name: str
    label: Any
    role: str = Role.MEMBER
    method: str | None = None
    confirm: Any = None
    style: str = "primary"

    @property
    def method_name(self) -> str:
        return self.method or self.name


@dataclass(frozen=True)
class Preset:
    """A named quick view of a list ("unpaid", "overdue")."""

    name: str
    label: Any
    q: Q = field(default_factory=Q)


@dataclass(frozen=True)
class Column:
    name: str
    label: Any = None
    sortable: bool = True
    link: bool = False


@dataclass(frozen=True)
class Card:
    """A figure on the dashboard, contributed by a module."""

    title: Any
    value: Any
    url: str = ""
    hint: Any = ""
    tone: str = ""


class ActionError(Exception):
    """An action that cannot run now; the message is safe to show the client."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# Query parameters of a list that are not filters: paging, ordering, preset, search.
NOT_FILTERS = frozenset({"page", "page_size", "ordering", "view", "search", "format"})


class Resource:
    model: ClassVar[type[models.Model]]
    slug: ClassVar[str]
    label: ClassVar[Any] = None  # plural, for menus and titles
    icon: ClassVar[str] = "list"
    menu_order: ClassVar[int] = 100
    menu: ClassVar[bool] = True
    read_role: ClassVar[str] = Role.VIEWER
    lookup_field: ClassVar[str] = "uuid"

    list_columns: ClassVar[list] = []
    filters: ClassVar[list[str]] = []
    search_fields: ClassVar[list[str]] = []
    ordering: ClassVar[list[str]] = ["-pk"]
    ordering_fields: ClassVar[list[str] | None] = None  # default: the list columns
    presets: ClassVar[list[Preset]] = []
    select_related: ClassVar[list[str]] = []
    prefetch_related: ClassVar[list[str]] = []
    # The portal list and its CSV/XLSX files show the list columns only; where
    # those need fewer related rows than the API and detail page, say which
    # (None: the same as select_related / prefetch_related).
    list_select_related: ClassVar[list[str] | None] = None
    list_prefetch_related: ClassVar[list | None] = None
    page_size: ClassVar[int] = 25

    detail_fields: ClassVar[list[str] | None] = None  # default: list columns
    actions: ClassVar[list[Action]] = []
    create_fields: ClassVar[list[str]] = []
    create_role: ClassVar[str] = Role.MEMBER
    edit_fields: ClassVar[list[str]] = []
    edit_role: ClassVar[str] = Role.MANAGER
    files: ClassVar[list[str]] = []  # FileFields downloadable through checked views
    export: ClassVar[bool] = True
    api: ClassVar[bool] = True
    api_fields: ClassVar[list[str] | None] = None  # default: detail fields
    singleton: ClassVar[bool] = False  # one row per organization (its own profile)
    # The same rows for every organization and no tenant data (the provider's price
    # list): the cross-organization sweep has nothing to prove on it and skips it.
    shared: ClassVar[bool] = False

    _filterset_class = None

    # --- the predicate ------------------------------------------------------------
    @classmethod
    def get_queryset(cls, access: Access):
        """Everything ``access`` may read of this resource: the one predicate."""
        if access is None or not access.has_role(cls.read_role):
            return cls.model._default_manager.none()
        qs = cls.model._default_manager.all().for_access(access)
        if cls.select_related:
            qs = qs.select_related(*cls.select_related)
        if cls.prefetch_related:
            qs = qs.prefetch_related(*cls.prefetch_related)
        return qs.order_by(*cls.ordering)

    @classmethod
    def get_list_queryset(cls, access: Access):
        """``get_queryset`` with the related rows the list columns need."""
        qs = cls.get_queryset(access)
        if cls.list_select_related is not None:
            qs = qs.select_related(None)
            if cls.list_select_related:
                qs = qs.select_related(*cls.list_select_related)
        if cls.list_prefetch_related is not None:
            qs = qs.prefetch_related(None)
            if cls.list_prefetch_related:
                qs = qs.prefetch_related(*cls.list_prefetch_related)
        return qs

    @classmethod
    def get_object(cls, access: Access, lookup, *, for_update: bool = False):
        """One record through the same predicate; 404 for anything else."""
        qs = cls.get_queryset(access)
        try:
            if for_update:
                # The predicate decides; the lock is taken on the bare row, since
                # SELECT ... FOR UPDATE does not mix with DISTINCT or joins everywhere.
                pk = qs.values_list("pk", flat=True).get(**{cls.lookup_field: lookup})
                return cls.model._default_manager.select_for_update().get(pk=pk)
            return qs.get(**{cls.lookup_field: lookup})
        except (cls.model.DoesNotExist, ValidationError, ValueError):
            raise Http404 from None

    # --- declarations derived -----------------------------------------------------
    @classmethod
    def verbose_name(cls):
        return cls.model._meta.verbose_name

    @classmethod
    def verbose_name_plural(cls):
        return cls.label or capfirst(cls.model._meta.verbose_name_plural)

    @classmethod
    def columns(cls) -> list[Column]:
        cols = []
        for index, item in enumerate(cls.list_columns):
            col = item if isinstance(item, Column) else Column(item)
            if index == 0 and not any(
                isinstance(c, Column) and c.link for c in cls.list_columns
            ):
                col = Column(col.name, col.label, col.sortable, True)
            cols.append(col)
        return cols

    @classmethod
    def column_label(cls, name: str) -> str:
        """The heading of column ``name`` in the active language.

        A plain string, not a lazy one: a list page repeats the label in every
        cell (``data-label`` for narrow screens), and a lazy label would run
        gettext again for each of them.
        """
        for col in cls.list_columns:
            if isinstance(col, Column) and col.name == name and col.label:
                return str(col.label)
        try:
            return str(capfirst(_model_field(cls.model, name).verbose_name))
        except FieldDoesNotExist:
            attr = getattr(cls, f"col_{name}", None) or getattr(cls.model, name, None)
            return str(capfirst(getattr(attr, "short_description", name.replace("_", " "))))

    @classmethod
    def sortable_fields(cls) -> list[str]:
        if cls.ordering_fields is not None:
            return cls.ordering_fields
        names = []
        for col in cls.columns():
            if not col.sortable:
                continue
            try:
                _model_field(cls.model, col.name)
            except FieldDoesNotExist:
                continue
            names.append(col.name)
        return names

    @classmethod
    def detail_field_names(cls) -> list[str]:
        if cls.detail_fields is not None:
            return cls.detail_fields
        return [c.name for c in cls.columns()]

    @classmethod
    def api_field_names(cls) -> list[str]:
        names = cls.api_fields if cls.api_fields is not None else cls.detail_field_names()
        return [n for n in names if n != cls.lookup_field]

    @classmethod
    def action(cls, name: str) -> Action | None:
        return next((a for a in cls.actions if a.name == name), None)

    @classmethod
    def available_actions(cls, obj, access: Access) -> list[Action]:
        """Actions this principal may fire on ``obj`` now."""
        result = []
        for action in cls.actions:
            if not access.has_role(action.role):
                continue
            method = getattr(obj, action.method_name, None)
            if method is None:
                continue
            if hasattr(method, "_django_fsm") and not can_proceed(method):
                continue
            check = getattr(cls, f"can_{action.name}", None)
            if check is not None and not check(obj, access):
                continue
            result.append(action)
        return result

    # --- filtering, search, ordering ------------------------------------------------
    @classmethod
    def filterset_class(cls):
        if cls.__dict__.get("_filterset_class") is None:
            cls._filterset_class = build_filterset(cls)
        return cls._filterset_class

    @classmethod
    def filter_queryset(cls, qs, params):
        """Apply the filters, the preset, the search and the ordering of ``params``.

        Returns ``(queryset, filterset)``. The API and the portal both call this.
        """
        if any(key not in NOT_FILTERS for key in params):
            filterset = cls.filterset_class()(params, queryset=qs)
            qs = filterset.qs if filterset.is_valid() else qs.none()
        else:
            # No filter in the request: there is nothing to apply, and the filter
            # set (its form) is made only if the page shows the filter controls.
            filterset = SimpleLazyObject(partial(cls.filterset_class(), params, queryset=qs))
        preset = cls.preset(params.get("view"))
        if preset is not None:
            qs = qs.filter(preset.q)
        term = (params.get("search") or "").strip()[:200]
        if term and cls.search_fields:
            condition = Q()
            for name in cls.search_fields:
                condition |= Q(**{f"{name}__icontains": term})
            qs = qs.filter(condition)
        ordering = cls.requested_ordering(params.get("ordering"))
        if ordering:
            qs = qs.order_by(*ordering)
        return qs, filterset

    @classmethod
    def requested_ordering(cls, value) -> list[str] | None:
        if not value:
            return None
        allowed = set(cls.sortable_fields())
        name = value.lstrip("-")
        if name not in allowed:
            return None
        # A unique tie-breaker keeps pages stable.
        return [value, "-pk" if value.startswith("-") else "pk"]

    @classmethod
    def preset(cls, name):
        if not name:
            return None
        return next((p for p in cls.presets if p.name == name), None)

    # --- display --------------------------------------------------------------------
    @classmethod
    def display(cls, obj, name: str):
        """The value of column/field ``name`` of ``obj``, ready for a page or a file."""
        custom = getattr(cls, f"col_{name}", None)
        if custom is not None:
            return custom(obj)
        try:
            model_field = _model_field(cls.model, name)
        except FieldDoesNotExist:
            value = getattr(obj, name)
            return value() if callable(value) else value
        if model_field.choices:
            return _choice_label(obj, model_field)
        if model_field.many_to_many:
            return ", ".join(str(o) for o in getattr(obj, name).all())
        return getattr(obj, name)

    @classmethod
    def display_text(cls, obj, name: str) -> str:
        return format_value(cls.display(obj, name))

    # --- changing -------------------------------------------------------------------
    @classmethod
    def run_action(cls, access: Access, lookup, name: str, request=None):
        """Fire action ``name`` on the record ``lookup`` as ``access``; audited."""
        action = cls.action(name)
        if action is None:
            raise Http404
        with transaction.atomic():
            obj = cls.get_object(access, lookup, for_update=True)
            if action not in cls.available_actions(obj, access):
                if not access.has_role(action.role):
                    raise ActionError(_("Your role does not allow this."), code="forbidden")
                raise ActionError(_("This cannot be done in the record's present state."),
                                  code="not_allowed")
            before = audit.snapshot(obj)
            method = getattr(obj, action.method_name)
            try:
                method(by=access.user, access=access)
                obj.full_clean()
            except ValidationError as exc:
                raise ActionError(" ".join(exc.messages), code="invalid") from exc
            obj.save()
            audit.record(
                f"{cls.slug}.{action.name}",
                obj=obj,
                changes=audit.diff(before, audit.snapshot(obj)),
                organization=_organization_for(obj, access),
                request=request,
            )
            cls.after_action(obj, action, access)
        return obj

    @classmethod
    def after_action(cls, obj, action: Action, access: Access):
        """Hook: notify someone after an action, for instance."""

    @classmethod
    def prepare_new(cls, obj, access: Access):
        """Set what the client does not choose: the organization, the author."""
        if hasattr(obj, "organization_id") and access.organization is not None:
            obj.organization = access.organization

    @classmethod
    def save_new(cls, obj, access: Access, request=None):
        with transaction.atomic():
            cls.prepare_new(obj, access)
            obj.full_clean()
            obj.save()
            audit.record(
                f"{cls.slug}.create", obj=obj, changes=audit.snapshot(obj, cls.create_fields),
                organization=_organization_for(obj, access), request=request,
            )
            cls.after_create(obj, access)
        return obj

    @classmethod
    def after_create(cls, obj, access: Access):
        """Hook: notify the back office of a new record, for instance."""

    @classmethod
    def save_edit(cls, obj, before: dict, access: Access, request=None):
        with transaction.atomic():
            obj.full_clean()
            obj.save()
            audit.record(
                f"{cls.slug}.update", obj=obj,
                changes=audit.diff(before, audit.snapshot(obj, cls.edit_fields)),
                organization=_organization_for(obj, access), request=request,
            )
        return obj

    @classmethod
    def can_edit(cls, obj, access: Access) -> bool:
        return bool(cls.edit_fields) and access.has_role(cls.edit_role)

    @classmethod
    def can_create(cls, access: Access) -> bool:
        return bool(cls.create_fields) and access.has_role(cls.create_role)

    @classmethod
    def file_field(cls, name: str):
        if name not in cls.files:
            raise Http404
        return name

    @classmethod
    def dashboard_cards(cls, access: Access) -> list[Card]:
        return []


def _organization_for(obj, access):
    if access.organization is not None:
        return access.organization
    return audit._organization_of(obj)


def _model_field(model, name):
    return model._meta.get_field(name)


_CHOICE_LABELS: dict = {}


def _choice_label(obj, model_field) -> str:
    """What ``obj.get_<field>_display()`` returns, for a list of many rows.

    Django's method rebuilds the field's choices dictionary on every call (about
    15 us, once per cell of a list page); the dictionary is built once per field
    here. A model that defines its own ``get_<field>_display`` keeps it.
    """
    key = (type(obj), model_field)
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        method = f"get_{model_field.name}_display"
        owner = next(k for k in type(obj).__mro__ if method in k.__dict__)
        labels = (
            {make_hashable(k): v for k, v in model_field.flatchoices}
            if isinstance(owner.__dict__[method], partialmethod) else False
        )
        _CHOICE_LABELS[key] = labels
    if labels is False:
        return getattr(obj, f"get_{model_field.name}_display")()
    value = getattr(obj, model_field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


def format_value(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, decimal.Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return str(value)


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


def build_filterset(resource):
    """A django-filter FilterSet from ``resource.filters``, shared by portal and API."""
    fields = {}
    declared = {}
    for name in resource.filters:
        model_field = _model_field(resource.model, name)
        if model_field.is_relation:
            related = model_field.related_model
            to_field = "uuid" if hasattr(related, "uuid") else "pk"
            declared[name] = django_filters.UUIDFilter(
                field_name=f"{name}__{to_field}", label=capfirst(model_field.verbose_name)
            )
            continue
        if isinstance(model_field, models.BooleanField):
            declared[name] = django_filters.BooleanFilter(
                field_name=name, label=capfirst(model_field.verbose_name), widget=AnyYesNo
            )
            continue
        lookups = ["exact"]
        for field_type, candidate in FILTER_LOOKUPS.items():
            if isinstance(model_field, field_type):
                lookups = candidate
                break
        if model_field.choices:
            lookups = ["exact"]
        fields[name] = lookups

    meta = type("Meta", (), {"model": resource.model, "fields": fields})
    attrs = {"Meta": meta, **declared}
    filterset = type(f"{resource.__name__}FilterSet", (django_filters.FilterSet,), attrs)
    return filterset


class Registry:
    def __init__(self):
        self._resources: dict[str, type[Resource]] = {}
        self._cards = []

    def register(self, resource: type[Resource]):
        if resource.slug in self._resources and self._resources[resource.slug] is not resource:
            raise ValueError(f"resource slug {resource.slug!r} is registered twice")
        self._resources[resource.slug] = resource
        return resource

    def get(self, slug: str) -> type[Resource]:
        try:
            return self._resources[slug]
        except KeyError:
            raise Http404 from None

    def for_model(self, model) -> type[Resource] | None:
        return next((r for r in self._resources.values() if r.model is model), None)

    def __iter__(self):
        return iter(sorted(self._resources.values(), key=lambda r: (r.menu_order, r.slug)))

    def menu(self, access: Access) -> list[type[Resource]]:
        return [r for r in self if r.menu and access is not None and access.has_role(r.read_role)]

    def dashboard_card(self, func):
        """Register ``func(access) -> list[Card]`` as a dashboard contributor."""
        self._cards.append(func)
        return func

    def cards(self, access: Access) -> list[Card]:
        result = []
        for func in self._cards:
            result.extend(func(access))
        return result


registry = Registry()
