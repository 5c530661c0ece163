from django.contrib import admin, messages
from django.utils.translation import gettext as _

from apps.client_portal.core.admin_base import ResourceAdmin

from .models import ApiKey
from .resources import ApiKeyResource


@admin.register(ApiKey)
class ApiKeyAdmin(ResourceAdmin):
    resource = ApiKeyResource
    # Staff issue keys for any organization, or provider-wide ones (no organization).
    fields = ["name", "organization", "role", "expires_at", "prefix", "created_by",
              "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            raw = obj.generate()
            messages.warning(
                request, _("The new key is %(key)s. Copy it now: it will not be shown again.")
                % {"key": raw},
            )
        super().save_model(request, obj, form, change)
