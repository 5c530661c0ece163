from django.contrib import admin, messages
from django.utils.translation import gettext as _

from apps.client_portal.core import audit
from apps.client_portal.core.admin_base import AuditedAdmin

from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
    list_display = ["name", "organization", "role", "prefix", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["role"]
    search_fields = ["name", "prefix", "organization__name"]
    autocomplete_fields = ["organization"]
    fields = ["name", "organization", "role", "expires_at", "prefix", "created_by",
              "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["organization"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            raw = obj.generate()
            messages.warning(
                request, _("The new key is %(key)s. Copy it now: it will not be shown again.")
                % {"key": raw},
            )
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()
            key.save(update_fields=["revoked_at"])

            audit.record("api_key.revoke", obj=key, request=request)

    actions = ["revoke"]
