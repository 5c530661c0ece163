"""Back office view of online payment attempts (imported by billing/admin.py).

Read-only: an intent changes only through the gateway's verified notification or
the client's cancel; staff may cancel open attempts (audited).
"""

from django.contrib import admin

from apps.client_portal.core.admin_base import ResourceAdmin

from .models import PaymentIntent
from .online_resources import PaymentIntentResource


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ResourceAdmin):
    resource = PaymentIntentResource
    search_fields = ["uuid", "gateway_ref", "gateway_token", "organization__name",
                     "documents__number"]
    readonly_fields = [f.name for f in PaymentIntent._meta.fields] + ["documents"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
