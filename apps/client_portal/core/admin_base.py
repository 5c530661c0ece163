"""The back office of the registered resources, generated from their declarations.

``ResourceAdmin`` fills, from its ``resource``, whatever the subclass does not
set itself:

- ``list_display``: the list columns (computed ones too), with the organization
  after the first column, since staff see every organization;
- ``list_filter``: the resource's filters (choices, yes/no, dates), and the
  organization as an autocomplete filter, so that no filter renders every row
  of a related table;
- ``search_fields`` (plus the organization's name and client code), ``ordering``,
  ``list_select_related`` for the links the list shows;
- ``readonly_fields``: what no form may change, plus, per record, the
  resource's ``locked_fields`` (a published document's amounts);
- ``actions``: each resource action, fired through ``core.operations`` as the
  provider (locked, checked, audited), with a message per refused record;
- every save and delete audited (``AuditedAdmin``);
- each of the resource's ``files`` shown as its name, size and a download link
  (``<field>_download``) to the admin's own download view, which checks the
  staff member's view permission and goes through ``operations.download`` (the
  portal's door: audited, the download recorded). Files have no storage URL
  (``MEDIA_URL`` is None, S3 objects are private): no admin form ever renders a
  file field itself, since django-unfold would ask the storage for its URL.

Pages stay light: 50 rows a page and no full count of the table.

``register_resources(site)`` gives every registered resource whose model has no
admin of its own a plain ``ResourceAdmin``.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter

from . import audit, operations
from .errors import Refused
from .tenancy import Access

__all__ = ["AuditedAdmin", "ResourceAdmin", "StackedInline", "TabularInline",
           "register_resources"]


def _plain(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(
        value, (str, bytes, dict)
    ):
        return [str(v) for v in value]
    return value


class AuditedAdmin(ModelAdmin):
    """A ModelAdmin whose every save and delete writes an audit event."""

    list_per_page = 50
    show_full_result_count = False

    def get_exclude(self, request, obj=None):
        # A file field would be rendered with its storage URL, and private storage has
        # none (a 500); ResourceAdmin shows a resource's files through its own view.
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude + [f.name for f in self.model._meta.fields
                          if isinstance(f, models.FileField) and f.name not in exclude]

    @admin.display(description=ModelAdmin.action_checkbox.short_description)
    def action_checkbox(self, obj):
        """The row's selection box, as django-unfold renders it (see ``_row_checkbox``)."""
        return _row_checkbox(obj.pk)

    def save_model(self, request, obj, form, change):
        changed = {
            name: [_plain(form.initial.get(name)) if change else None,
                   _plain(form.cleaned_data.get(name))]
            for name in form.changed_data
        }
        super().save_model(request, obj, form, change)
        audit.record(f"admin.{'update' if change else 'create'}", obj=obj, changes=changed,
                     request=request)

    def delete_model(self, request, obj):
        audit.record("admin.delete", obj=obj, changes=audit.snapshot(obj), request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record("admin.delete", obj=obj, changes=audit.snapshot(obj), request=request)
        super().delete_queryset(request, queryset)


_CHECKBOX_MARK = "cp-row-pk-mark"
_checkbox_html: list[str] = []


def _row_checkbox(pk):
    """django-unfold's row checkbox (``unfold.admin.checkbox``) with this row's key.

    Unfold renders the widget through the template engine for each row, about a
    millisecond a row. Its HTML depends on the widget alone, so it is rendered
    once with a mark for the value, and the mark is replaced by each row's key.
    ``tests/core/test_admin_pages.py`` compares whole changelist pages both ways.
    """
    from django.contrib.admin import helpers
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from unfold.admin import checkbox

    if not _checkbox_html:
        _checkbox_html.append(checkbox.render(helpers.ACTION_CHECKBOX_NAME, _CHECKBOX_MARK))
    return mark_safe(_checkbox_html[0].replace(_CHECKBOX_MARK, escape(str(pk))))  # noqa: S308


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 (FieldDoesNotExist)
        return None


def _computed_column(resource, name):
    def column(obj):
        return resource.value(obj, name)

    column.__name__ = f"col_{name}"
    return admin.display(description=resource.field_label(name))(column)


def _action(resource, declared):
    """An admin action firing ``declared`` on each selected row, as the provider."""

    def run(modeladmin, request, queryset):
        access = Access.provider(user=request.user)
        done, refused = 0, []
        for obj in queryset:
            try:
                operations.run_action(resource, access=access, lookup=obj.uuid,
                                      name=declared.name, request=request)
                done += 1
            except Refused as refusal:
                refused.append(f"{obj}: {refusal.message}")
        if done:
            modeladmin.message_user(request, _("%(action)s: %(n)d done.") % {
                "action": declared.label, "n": done}, messages.SUCCESS)
        for text in refused:
            modeladmin.message_user(request, text, messages.WARNING)

    run.__name__ = f"action_{declared.name}"
    # Firing an action changes the record: offered only to staff who may change it.
    return admin.action(description=declared.label, permissions=["change"])(run)


def _file_of(obj, name):
    """(name, size) of the file behind ``obj.<name>``, or None."""
    value = getattr(obj, name, None)
    if not value:
        return None
    if hasattr(value, "_meta"):  # a link to a stored file (documents.StoredFile)
        if not getattr(value, "file", None):
            return None
        return getattr(value, "name", "") or value.file.name, getattr(value, "size", None)
    shown = getattr(obj, "original_name", "") or str(value.name).rsplit("/", 1)[-1]
    return shown, getattr(obj, "size", None)


def _download_column(model, name):
    field = _field(model, name)
    label = field.verbose_name if field is not None else name

    def column(self, obj):
        found = _file_of(obj, name) if obj is not None and obj.pk else None
        if found is None:
            return "-"
        file_name, size = found
        opts = self.model._meta
        link = reverse(f"admin:{opts.app_label}_{opts.model_name}_download",
                       args=[obj.pk, name])
        if size is not None:
            file_name = format_html("{} ({})", file_name, filesizeformat(size))
        return format_html('{} · <a href="{}">{}</a>', file_name, link, _("Download"))

    column.__name__ = f"{name}_download"
    return admin.display(description=label)(column)


def admin_defaults(resource) -> dict:
    model = resource.model
    has_org = _field(model, "organization") is not None
    display = []
    for col in resource.columns():
        if col.name in resource.computed_fields or _field(model, col.name) is None:
            display.append(_computed_column(resource, col.name))
        else:
            display.append(col.name)
    if has_org and "organization" not in display:
        display.insert(1, "organization")
    filters = []
    for name in resource.filters:
        field = _field(model, name)
        if field is None:
            continue
        if field.is_relation:
            filters.append((name, AutocompleteSelectFilter))
        else:
            filters.append(name)
    if has_org and _field(model, "organization").many_to_one:
        filters.insert(0, ("organization", AutocompleteSelectFilter))
    search = list(resource.search_fields)
    if has_org and _field(model, "organization").many_to_one:
        search += ["organization__name", "organization__client_code"]
    related = [name for name in display if isinstance(name, str)
               and getattr(_field(model, name), "many_to_one", False)]
    readonly = [f.name for f in model._meta.fields if not f.editable and f.name != "id"]
    return {
        "list_display": display,
        "list_filter": filters,
        "search_fields": search,
        "ordering": list(resource.ordering),
        "list_select_related": related,
        "readonly_fields": readonly,
        "actions": [_action(resource, a) for a in resource.actions],
        "autocomplete_fields": ["organization"] if has_org and _field(
            model, "organization").many_to_one else [],
    }


class ResourceAdmin(AuditedAdmin):
    """The admin of ``resource``: its defaults from the declaration (see the module)."""

    resource = None
    # unfold's list page, its rows written in Python (core/templatetags/cp_admin.py).
    change_list_template = "admin/cp_change_list.html"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.resource is None:
            return
        own = set()
        for klass in cls.__mro__:
            if klass is ResourceAdmin:
                break
            own.update(vars(klass))
        for name, value in admin_defaults(cls.resource).items():
            if name not in own:
                setattr(cls, name, value)

        for name in cls.resource.files:
            if f"{name}_download" not in own:
                setattr(cls, f"{name}_download", _download_column(cls.resource.model, name))

    def _download_fields(self):
        return [f"{name}_download" for name in self.resource.files] if self.resource else []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.resource is not None:
            fields += [f for f in sorted(self.resource.locked_fields(obj)) if f not in fields]
        return fields + [f for f in self._download_fields() if f not in fields]

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<path:object_id>/file/<str:field_name>/",
                 self.admin_site.admin_view(self.download_view),
                 name=f"{opts.app_label}_{opts.model_name}_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id, field_name):
        """One file of one record, for staff who may view the record (audited, recorded)."""
        if self.resource is None or field_name not in self.resource.files:
            raise Http404
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        try:
            return operations.download(self.resource, access=Access.provider(user=request.user),
                                       lookup=obj.uuid, field_name=field_name, request=request)
        except Refused:
            raise Http404 from None


def register_resources(site=None):
    """A ``ResourceAdmin`` for each registered resource whose model has no admin yet."""
    from .registry import registry

    site = site or admin.site
    for resource in registry:
        if not site.is_registered(resource.model):
            cls = type(f"{resource.__name__}Admin", (ResourceAdmin,), {"resource": resource})
            site.register(resource.model, cls)


def _headers_once_per_page():
    """django-unfold works out a changelist's column headers again for every row (to label
    each cell on narrow screens): 50 rows, 50 times the sort links of every column.
    Measured: most of a back-office list page. The headers depend on the page's
    ChangeList alone, so they are worked out once per ChangeList and reused for its rows.
    """
    from unfold.templatetags import unfold_list

    original = unfold_list.result_headers
    if getattr(original, "once_per_page", False):
        return

    def result_headers(cl):
        headers = cl.__dict__.get("_cp_headers")
        if headers is None:
            headers = cl.__dict__["_cp_headers"] = list(original(cl))
        return iter(headers)

    result_headers.once_per_page = True
    unfold_list.result_headers = result_headers


_headers_once_per_page()
