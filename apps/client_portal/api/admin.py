from django.contrib import admin, messages
from django.utils.translation import gettext as _

from apps.client_portal.core.admin_base import ResourceAdmin

from .models import ApiKey, WebhookDelivery, WebhookEndpoint, generate_webhook_secret
from .resources import ApiKeyResource
from .webhook_resources import WebhookDeliveryResource, WebhookEndpointResource


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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ResourceAdmin):
    resource = WebhookEndpointResource
    # Staff add endpoints for any organization, or provider-wide ones (no organization).
    fields = ["organization", "url", "description", "event_types", "is_active", "disabled_at",
              "why_disabled", "consecutive_failures", "created_by", "created_at"]
    readonly_fields = ["is_active", "disabled_at", "why_disabled", "consecutive_failures",
                       "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.secret = generate_webhook_secret()
            messages.warning(
                request, _("The signing secret is %(secret)s. Copy it now: it will not be "
                           "shown again.") % {"secret": obj.secret},
            )
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ResourceAdmin):
    resource = WebhookDeliveryResource
    readonly_fields = ["organization", "endpoint", "event_id", "event_type", "status",
                       "attempts", "next_attempt_at", "last_response_code",
                       "last_response_body", "last_error", "created_at", "delivered_at",
                       "payload"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # deliveries come from events
