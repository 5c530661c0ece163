"""Admin building blocks: audited saves, resource defaults, workflow actions."""

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from . import audit

__all__ = ["AuditedAdmin", "StackedInline", "TabularInline", "resource_defaults",
           "transition_action"]


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


def resource_defaults(resource) -> dict:
    """list_display, list_filter, search_fields and ordering from a resource."""
    columns = []
    for col in resource.columns():
        try:
            resource.model._meta.get_field(col.name)
        except FieldDoesNotExist:
            continue  # a computed column: the admin lists model fields only
        columns.append(col.name)
    return {
        "list_display": columns,
        "list_filter": list(resource.filters),
        "search_fields": list(resource.search_fields),
        "ordering": list(resource.ordering),
    }


def transition_action(method_name: str, label):
    """An admin action that fires a django-fsm transition on each selected row."""

    @admin.action(description=label)
    def run(modeladmin, request, queryset):
        done, skipped = 0, 0
        for obj in queryset:
            with transaction.atomic():
                locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
                method = getattr(locked, method_name)
                if not can_proceed(method):
                    skipped += 1
                    continue
                before = audit.snapshot(locked)
                method(by=request.user)
                locked.save()
                audit.record(f"admin.{method_name}", obj=locked,
                             changes=audit.diff(before, audit.snapshot(locked)), request=request)
                done += 1
        if done:
            modeladmin.message_user(request, _("%(n)d changed.") % {"n": done}, messages.SUCCESS)
        if skipped:
            modeladmin.message_user(
                request, _("%(n)d skipped: not allowed in their present state.") % {"n": skipped},
                messages.WARNING,
            )

    run.__name__ = f"transition_{method_name}"
    return run
