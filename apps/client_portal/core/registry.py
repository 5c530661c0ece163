"""The resource registry: each client-visible entity declared once.

A ``Resource`` is data about a model: who may read it, its list columns,
filters, search, order, quick views, detail fields, the forms that create and
edit it, its workflow actions, its files and its dashboard cards. The portal
pages, the API, the back office defaults, the webhook event types and the
security sweep are generated from the registered resources, and every change
goes through ``core.operations``. Declarations are checked when Django starts
(``core/checks.py``): a misspelt name stops ``manage.py check`` with a message
that names the resource and the attribute.

Declare a resource in ``<module>/resources.py``::

    @registry.register
    class FeedbackResource(Resource):
        model = Feedback
        slug = "feedback"
        label = _("Feedback")
        list_columns = ["subject", "kind", "status", "created_at"]
        filters = ["kind", "status", "created_at"]
        search_fields = ["subject", "body"]
        create_fields = ["kind", "subject", "body"]
        actions = [Action("withdraw", _("Withdraw"), role=Role.MEMBER)]

        @computed(_("Replies"))
        def replies(obj):
            return obj.replies.count()

Hooks are classmethods of ``Resource`` with a fixed signature (``prepare_new``,
``after_create``, ``after_update``, ``after_action``, ``on_download``,
``secret_once``, ``can_edit``, ``locked_fields``, ``dashboard_cards``); a
resource overrides the ones it needs. Nothing is looked up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django_fsm import can_proceed

from .display import format_value
from .errors import Refused
from .tenancy import Access, Role

__all__ = ["Action", "Card", "Column", "Computed", "Layout", "Link", "Preset", "Related",
           "Resource", "Section", "computed", "registry"]

# Column priorities: a primary column always has a column of its own; a secondary
# one has its column where the table has room and folds into the row (label: value
# under the first cell) where it has not; a folded one is always shown in the row.
PRIMARY, SECONDARY, FOLDED = 1, 2, 3
PRIORITIES = (PRIMARY, SECONDARY, FOLDED)


@dataclass(frozen=True)
class Action:
    """A workflow step: a button in the portal and the back office, a POST in the API.

    ``method`` names the model method to call (by default ``name``), usually a
    django-fsm transition; it is called as ``method(by=<user>, access=<Access>)``
    on the locked row. ``role`` is the least role that may fire it (``PROVIDER``
    for the provider's own steps); ``condition(obj, access)`` may refuse it
    for a record in a state the transition alone does not rule out.
    """

    name: str
    label: Any
    role: str = Role.MEMBER
    method: str | None = None
    condition: Callable[[Any, Access], bool] | None = None
    confirm: Any = None
    style: str = "primary"

    @property
    def method_name(self) -> str:
        return self.method or self.name


@dataclass(frozen=True)
class Preset:
    """A named quick view of a list ("unpaid", "overdue"); ``q`` may be a function
    returning the condition, for one that depends on today's date."""

    name: str
    label: Any
    q: Q | Callable[[], Q] = field(default_factory=Q)

    def condition(self) -> Q:
        return self.q() if callable(self.q) else self.q


@dataclass(frozen=True)
class Column:
    """A list column. ``priority``: ``PRIMARY`` (1, its own column at every width),
    ``SECONDARY`` (2, folds into the row where the table lacks room) or ``FOLDED``
    (3, always shown in the row under the first cell, as label: value). ``code``: a
    choice shown by its stored value ("RON") rather than its label ("RON — Romanian
    leu"), where the code is what people read in a list."""

    name: str
    label: Any = None
    sortable: bool = True
    link: bool = False
    priority: int = PRIMARY
    code: bool = False


@dataclass(frozen=True)
class Section:
    """A part of a detail page: a titled summary list of fields."""

    title: Any = None
    fields: tuple[str, ...] | list[str] = ()


@dataclass(frozen=True)
class Related:
    """A list of related rows on a detail page (an invoice's lines).

    ``name`` is the accessor on the record (a reverse relation or a method returning
    rows), or ``rows(obj)`` gives the rows (objects or dicts); ``columns`` are
    fields of the related rows, ``labels`` optional labels for them (default: the
    field's verbose name); ``numbers`` the columns shown as right-aligned figures;
    ``format`` maps a column to a function ``(row) -> text``.
    """

    name: str
    title: Any = None
    columns: tuple[str, ...] | list[str] = ()
    labels: dict = field(default_factory=dict)
    numbers: tuple[str, ...] | list[str] = ()
    format: dict = field(default_factory=dict)
    rows: Callable[[Any], list] | None = None


@dataclass(frozen=True)
class Link:
    """A primary action that is a link (a PDF, Pay): shown at the top of a detail page.

    ``url(obj, access)`` gives the address, or "" where the link does not apply to
    this record now; ``role`` is the least role that sees it.
    """

    name: str
    label: Any
    url: Callable[[Any, Access], str]
    role: str = Role.VIEWER
    style: str = "primary"
    new_tab: bool = False


@dataclass(frozen=True)
class Layout:
    """A detail page: the header's fields (under the title), sections of fields,
    related lists, and the primary links at the top beside the actions."""

    header: tuple[str, ...] | list[str] = ()
    sections: tuple[Section, ...] | list[Section] = ()
    related: tuple[Related, ...] | list[Related] = ()
    links: tuple[Link, ...] | list[Link] = ()

    def field_names(self) -> list[str]:
        names = list(self.header)
        for section in self.sections:
            names.extend(n for n in section.fields if n not in names)
        return names


@dataclass(frozen=True)
class Card:
    """A figure on the dashboard."""

    title: Any
    value: Any
    url: str = ""
    hint: Any = ""
    tone: str = ""


class Computed:
    """A value shown like a field but computed from the record (``@computed``).

    ``needs`` names the model fields the function reads: with it the list loads
    only the columns it shows; without it the list loads whole rows.
    """

    def __init__(self, func, label, *, needs: tuple[str, ...] | None = None, badge=None):
        self.func = func
        self.label = label
        self.needs = tuple(needs) if needs is not None else None
        # ``badge(obj)``: the state the value names ("overdue"), shown as a coloured badge.
        self.badge = badge
        self.name = func.__name__

    def __call__(self, obj):
        return self.func(obj)

    def __repr__(self):
        return f"<computed {self.name}>"


def computed(label, *, needs: tuple[str, ...] | list[str] | None = None, badge=None):
    """Declare a computed value of a resource: ``@computed(_("Settles"))``; with
    ``badge=lambda obj: <state>`` it is shown as a badge coloured by that state."""

    def decorate(func) -> Computed:
        return Computed(func, label, needs=needs, badge=badge)

    return decorate


class Resource:
    # --- what it is -------------------------------------------------------------------
    model: ClassVar[type[models.Model]]
    slug: ClassVar[str]
    label: ClassVar[Any] = None  # plural, for menus and titles
    icon: ClassVar[str] = "list"
    menu_order: ClassVar[int] = 100
    menu: ClassVar[bool] = True
    read_role: ClassVar[str] = Role.VIEWER
    lookup_field: ClassVar[str] = "uuid"
    singleton: ClassVar[bool] = False  # one row per organization (its own profile)
    # The kinds of organization (Organization.Kind values) the resource exists for;
    # None: every kind. A company's pages (its profile, people, API keys) are not a
    # private person's: outside these kinds the menu leaves it out and every door
    # answers as for a record that does not exist.
    for_kinds: ClassVar[tuple[str, ...] | None] = None

    # --- the list ---------------------------------------------------------------------
    list_columns: ClassVar[list] = []
    filters: ClassVar[list[str]] = []
    extra_filters: ClassVar[dict] = {}  # name -> django_filters.Filter, replacing the default
    search_fields: ClassVar[list[str]] = []
    ordering: ClassVar[list[str]] = ["-pk"]
    ordering_fields: ClassVar[list[str] | None] = None  # default: sortable model columns
    presets: ClassVar[list[Preset]] = []
    page_size: ClassVar[int] = 25
    # Related rows for the API and the detail page; the list and its files use the
    # list_ variants (None: the same).
    select_related: ClassVar[list[str]] = []
    prefetch_related: ClassVar[list] = []
    list_select_related: ClassVar[list[str] | None] = None
    list_prefetch_related: ClassVar[list | None] = None
    # Model fields a list page of its own (portal/list_<slug>.html) reads besides the
    # columns: the list loads only those and the columns.
    list_needs: ClassVar[list[str]] = []
    export: ClassVar[bool] = True

    # --- one record -------------------------------------------------------------------
    detail_fields: ClassVar[list[str] | None] = None  # default: the list columns
    # The detail page's layout (sections, related lists, links); default: one
    # section of the detail fields.
    layout: ClassVar[Layout | None] = None
    api: ClassVar[bool] = True
    api_fields: ClassVar[list[str] | None] = None  # default: the detail fields
    actions: ClassVar[list[Action]] = []
    create_fields: ClassVar[list[str]] = []
    create_role: ClassVar[str] = Role.MEMBER
    edit_fields: ClassVar[list[str]] = []
    edit_role: ClassVar[str] = Role.MANAGER
    files: ClassVar[list[str]] = []  # file fields (or links to stored files) to download
    # Amounts shown with their currency on pages: field -> the field holding its currency code.
    money_fields: ClassVar[dict[str, str]] = {}

    # --- filled in from the class body --------------------------------------------------
    computed_fields: ClassVar[dict[str, Computed]] = {}
    _filterset: ClassVar[type | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        found = dict(getattr(cls, "computed_fields", {}))
        for name, value in list(vars(cls).items()):
            if isinstance(value, Computed):
                found[name] = value
        cls.computed_fields = found
        cls._filterset = None

    # --- the predicate ------------------------------------------------------------------
    @classmethod
    def get_queryset(cls, access: Access):
        """Everything ``access`` may read of this resource: the one predicate."""
        if not cls.may_read(access):
            return cls.model._default_manager.none()
        qs = cls.model._default_manager.all().for_access(access)
        if cls.select_related:
            qs = qs.select_related(*cls.select_related)
        if cls.prefetch_related:
            qs = qs.prefetch_related(*cls.prefetch_related)
        return qs.order_by(*cls.ordering)

    @classmethod
    def applies_to(cls, access: Access | None) -> bool:
        """Whether the resource exists for the organization of ``access`` (``for_kinds``)."""
        if cls.for_kinds is None or access is None or access.organization is None:
            return True
        return access.organization.kind in cls.for_kinds

    @classmethod
    def may_read(cls, access: Access | None) -> bool:
        """Whether ``access`` may read the resource at all: its role and organization kind."""
        return access is not None and access.has_role(cls.read_role) and cls.applies_to(access)

    @classmethod
    def get_list_queryset(cls, access: Access):
        """``get_queryset`` with only what the list columns need."""
        qs = cls.get_queryset(access)
        if cls.list_select_related is not None:
            qs = qs.select_related(None)
            if cls.list_select_related:
                qs = qs.select_related(*cls.list_select_related)
        if cls.list_prefetch_related is not None:
            qs = qs.prefetch_related(None)
            if cls.list_prefetch_related:
                qs = qs.prefetch_related(*cls.list_prefetch_related)
        only = cls.list_only_fields()
        if only is not None:
            qs = qs.only(*only)
        return qs

    @classmethod
    def list_only_fields(cls) -> list[str] | None:
        """The model fields the list reads, or None where a column does not say."""
        names = {"pk", cls.lookup_field, *cls.list_needs}
        for col in cls.columns():
            if col.name in cls.computed_fields:
                needs = cls.computed_fields[col.name].needs
                if needs is None:
                    return None
                names.update(needs)
            elif _model_field(cls.model, col.name) is not None:
                names.add(col.name)
            else:
                return None  # a model property: it may read anything
        for related in cls.list_select_related or cls.select_related or []:
            names.add(related)
        for name in cls.ordering:
            names.add(name.lstrip("-"))
        names.discard("pk")
        names.discard("id")
        return sorted(names)

    @classmethod
    def get_object(cls, access: Access, lookup, *, for_update: bool = False):
        """One record through the same predicate; ``Refused("not_found")`` otherwise."""
        qs = cls.get_queryset(access)
        try:
            if for_update:
                # The predicate decides; the lock is taken on the bare row, since
                # SELECT ... FOR UPDATE does not mix with DISTINCT or joins everywhere.
                pk = qs.values_list("pk", flat=True).get(**{cls.lookup_field: lookup})
                return cls.model._default_manager.select_for_update().get(pk=pk)
            return qs.get(**{cls.lookup_field: lookup})
        except (cls.model.DoesNotExist, ValidationError, ValueError):
            raise Refused(code="not_found") from None

    # --- derived from the declaration ---------------------------------------------------
    @classmethod
    def verbose_name(cls):
        return cls.model._meta.verbose_name

    @classmethod
    def verbose_name_plural(cls):
        if cls.label is not None:  # not "or": a lazy label would be translated twice
            return cls.label
        return capfirst(cls.model._meta.verbose_name_plural)

    @classmethod
    def columns(cls) -> list[Column]:
        cols = [item if isinstance(item, Column) else Column(item) for item in cls.list_columns]
        if cols and not any(c.link for c in cols):
            first = cols[0]
            cols[0] = replace(first, link=True)
        return cols

    @classmethod
    def field_label(cls, name: str) -> str:
        """The label of field, column or computed value ``name`` in the active language."""
        for col in cls.list_columns:
            if isinstance(col, Column) and col.name == name and col.label:
                return str(col.label)
        if name in cls.computed_fields:
            return str(cls.computed_fields[name].label)
        model_field = _model_field(cls.model, name)
        if model_field is not None:
            return str(capfirst(model_field.verbose_name))
        attr = getattr(cls.model, name, None)
        attr = getattr(attr, "fget", attr)
        return str(capfirst(getattr(attr, "short_description", name.replace("_", " "))))

    column_label = field_label

    @classmethod
    def detail_layout(cls) -> Layout:
        """The declared layout, or one section of the detail fields."""
        if cls.layout is not None:
            return cls.layout
        return Layout(sections=[Section(None, cls.detail_field_names())])

    @classmethod
    def available_links(cls, obj, access: Access) -> list[tuple[Link, str]]:
        """The layout's links ``access`` may follow on ``obj`` now, with their address."""
        found = []
        for link in cls.detail_layout().links:
            if access is None or not access.has_role(link.role):
                continue
            url = link.url(obj, access)
            if url:
                found.append((link, url))
        return found

    @classmethod
    def sortable_fields(cls) -> list[str]:
        if cls.ordering_fields is not None:
            return cls.ordering_fields
        # A computed value named after a model field (a status shown its own way)
        # sorts by that field.
        return [c.name for c in cls.columns()
                if c.sortable and _model_field(cls.model, c.name) is not None]

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
    def refusal(cls, obj, action: Action, access: Access) -> Refused | None:
        """Why ``access`` may not fire ``action`` on ``obj`` now, or None if it may."""
        if not access.has_role(action.role):
            return Refused(code="forbidden")
        method = getattr(obj, action.method_name)
        if hasattr(method, "_django_fsm") and not can_proceed(method):
            return Refused(code="not_allowed")
        if action.condition is not None and not action.condition(obj, access):
            return Refused(code="not_allowed")
        return None

    @classmethod
    def available_actions(cls, obj, access: Access) -> list[Action]:
        """The actions ``access`` may fire on ``obj`` now: the buttons to show."""
        return [a for a in cls.actions if cls.refusal(obj, a, access) is None]

    # --- filtering ----------------------------------------------------------------------
    @classmethod
    def filterset_class(cls):
        if cls._filterset is None:
            from .filtering import build_filterset

            cls._filterset = build_filterset(cls)
        return cls._filterset

    @classmethod
    def filter_queryset(cls, qs, params):
        from .filtering import filter_queryset

        return filter_queryset(cls, qs, params)

    @classmethod
    def preset(cls, name) -> Preset | None:
        return next((p for p in cls.presets if p.name == name), None) if name else None

    # --- values -------------------------------------------------------------------------
    @classmethod
    def value(cls, obj, name: str):
        """The value of field, column or computed value ``name`` of ``obj``.

        A choice gives its label, a many-to-many its items joined by commas.
        """
        found = cls.computed_fields.get(name)
        if found is not None:
            return found(obj)
        model_field = _model_field(cls.model, name)
        if model_field is None:
            value = getattr(obj, name)
            return value() if callable(value) else value
        if model_field.choices:
            return force_str(getattr(obj, f"get_{name}_display")(), strings_only=True)
        if model_field.many_to_many:
            return ", ".join(str(o) for o in getattr(obj, name).all())
        return getattr(obj, name)

    @classmethod
    def display_text(cls, obj, name: str) -> str:
        return format_value(cls.value(obj, name))

    # --- rules and hooks ----------------------------------------------------------------
    @classmethod
    def can_create(cls, access: Access) -> bool:
        return bool(cls.create_fields) and access is not None and access.has_role(
            cls.create_role)

    @classmethod
    def can_edit(cls, obj, access: Access) -> bool:
        """Whether ``access`` may edit ``obj`` now (by default: the edit role)."""
        return bool(cls.edit_fields) and access.has_role(cls.edit_role)

    @classmethod
    def locked_fields(cls, obj) -> set[str]:
        """Fields of ``obj`` that may no longer change (a published document's amounts)."""
        return set()

    @classmethod
    def prepare_new(cls, obj, access: Access) -> None:
        """Set what the person creating ``obj`` does not choose (its author, a secret).

        The organization is set already, before the form is validated.
        """

    @classmethod
    def after_create(cls, obj, access: Access) -> None:
        """After a record is created, inside its transaction (notify someone...)."""

    @classmethod
    def after_update(cls, obj, access: Access) -> None:
        """After a record is changed, inside its transaction."""

    @classmethod
    def after_action(cls, obj, action: Action, access: Access) -> None:
        """After an action is fired, inside its transaction."""

    @classmethod
    def on_download(cls, obj, field_name: str, access: Access) -> None:
        """After a file of ``obj`` is handed out (record the first download...)."""

    @classmethod
    def secret_once(cls, obj) -> str | None:
        """A secret made with ``obj`` that is shown once, right after creation."""
        return None

    @classmethod
    def dashboard_cards(cls, access: Access) -> list[Card]:
        """Figures this resource puts on the dashboard of ``access``."""
        return []


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@dataclass(frozen=True)
class MenuLink:
    """A menu entry for a page of its own that is no resource's list (a person's own
    credit report): its label, its URL name, its icon, and who sees it
    (``visible(access)``, cheap: it runs on every page)."""

    label: Any
    url_name: str
    icon: str = "file"
    visible: Callable[[Access], bool] = lambda access: True


class Registry:
    def __init__(self):
        self._resources: dict[str, type[Resource]] = {}
        self.duplicates: list[tuple[str, type[Resource], type[Resource]]] = []
        self._links: list[MenuLink] = []

    def add_menu_link(self, link: MenuLink) -> MenuLink:
        if link not in self._links:
            self._links.append(link)
        return link

    def menu_links(self, access: Access) -> list[MenuLink]:
        return [link for link in self._links if link.visible(access)]

    def register(self, resource: type[Resource]):
        """Class decorator; a slug registered twice is reported by the system checks."""
        known = self._resources.get(getattr(resource, "slug", None))
        if known is not None and known is not resource:
            if known.__module__ == resource.__module__ and known.__qualname__ == (
                    resource.__qualname__):
                self._resources[resource.slug] = resource  # the module imported again
            else:
                self.duplicates.append((resource.slug, known, resource))
            return resource
        self._resources[resource.slug] = resource
        return resource

    def unregister(self, resource: type[Resource]):
        if self._resources.get(resource.slug) is resource:
            del self._resources[resource.slug]

    def get(self, slug: str) -> type[Resource]:
        try:
            return self._resources[slug]
        except KeyError:
            raise Refused(code="not_found") from None

    def for_model(self, model) -> type[Resource] | None:
        return next((r for r in self._resources.values() if r.model is model), None)

    def __iter__(self):
        return iter(sorted(self._resources.values(), key=lambda r: (r.menu_order, r.slug)))

    def __contains__(self, resource):
        return self._resources.get(getattr(resource, "slug", None)) is resource

    def menu(self, access: Access) -> list[type[Resource]]:
        return [r for r in self if r.menu and r.may_read(access)]

    def cards(self, access: Access) -> list[Card]:
        result = []
        for resource in self:
            if resource.may_read(access):
                result.extend(resource.dashboard_cards(access))
        return result

    def event_types(self) -> list[tuple[str, str]]:
        """(event type, description) of every event a webhook may subscribe to."""
        from . import events

        return events.event_types(self)


registry = Registry()
