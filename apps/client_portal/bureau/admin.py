"""Back office of debts and imports: read-only (debts change only through imports)."""

from django.contrib import admin

from apps.client_portal.core.admin_base import ResourceAdmin, TabularInline

from .models import Debt, DebtIdentifier, DebtImport
from .resources import DebtImportResource, DebtResource


class IdentifierInline(TabularInline):
    model = DebtIdentifier
    extra = 0
    fields = ["kind", "value"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Debt)
class DebtAdmin(ResourceAdmin):
    resource = DebtResource
    list_display = ["account_number", "organization", "subject_name", "version", "is_current",
                    "status", "balance", "currency", "updated_at"]
    list_filter = ["is_current", "status", "subject_kind", "currency"]
    search_fields = ["account_number", "subject_name", "identifiers__value"]
    list_select_related = ["organization"]
    inlines = [IdentifierInline]

    def get_queryset(self, request):
        return Debt.objects.select_related("organization")  # every version, every furnisher

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DebtImport)
class DebtImportAdmin(ResourceAdmin):
    resource = DebtImportResource
    list_display = ["created_at", "organization", "file_name", "format", "status", "imported",
                    "unchanged", "created_by"]
    list_filter = ["status", "format"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["organization", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
