"""Back office view of online payment attempts (imported by billing/admin.py).

Read-only: an intent changes only through the gateway's verified notification or
the client's cancel; staff may cancel open attempts (audited).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.admin_base import AuditedAdmin, resource_defaults, transition_action

from .models import PaymentIntent
from .online_resources import PaymentIntentResource


@admin.register(PaymentIntent)
class PaymentIntentAdmin(AuditedAdmin):
    locals().update(resource_defaults(PaymentIntentResource))
    list_display = ["created_at", "organization", "scope", "amount", "currency", "gateway",
                    "status", "gateway_ref", "completed_at"]
    list_select_related = ["organization"]
    search_fields = ["uuid", "gateway_ref", "gateway_token", "organization__name",
                     "documents__number"]
    readonly_fields = [f.name for f in PaymentIntent._meta.fields] + ["documents"]
    actions = [transition_action("cancel", _("Cancel open attempts (nothing is charged)"))]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
