from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.admin_base import AuditedAdmin, ResourceAdmin, TabularInline

from .models import CreditReport, Dispute, PersonalReport, Plan, RegistryLookup, Subscription, Usage
from .resources import (
    CreditReportResource,
    DisputeResource,
    RegistryLookupResource,
    SubscriptionResource,
)


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    """Staff keep the price list: quotas per service, period and price."""

    list_display = ["name", "period_months", "price", "currency", "quota_reports",
                    "quota_scoring", "quota_lookups", "quota_records", "quota_personal",
                    "is_active"]
    list_filter = ["is_active", "period_months"]
    search_fields = ["name"]


class UsageInline(TabularInline):
    model = Usage
    extra = 0
    fields = ["service", "period_start", "period_end", "used"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # usage grows only through quota.take


@admin.register(Subscription)
class SubscriptionAdmin(ResourceAdmin):
    """Staff sign and end clients' contracts; the usage of each period is read only."""

    resource = SubscriptionResource
    fields = ["organization", "plan", "contract_number", "starts_on", "ends_on", "price",
              "currency", "status"]
    autocomplete_fields = ["organization"]
    inlines = [UsageInline]


class LogAdmin(ResourceAdmin):
    """Orders are the log: staff read them; nobody changes or deletes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditReport)
class CreditReportAdmin(LogAdmin):
    resource = CreditReportResource
    exclude = ["content"]


@admin.register(RegistryLookup)
class RegistryLookupAdmin(LogAdmin):
    resource = RegistryLookupResource


@admin.register(PersonalReport)
class PersonalReportAdmin(AuditedAdmin):
    list_display = ["user", "created_at", "free"]
    readonly_fields = ["organization", "user", "national_id", "free", "created_at"]
    exclude = ["content"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(ResourceAdmin):
    """Staff write the outcome, then uphold or reject the dispute (the actions)."""

    resource = DisputeResource
    fields = ["organization", "account_number", "reason", "explanation", "filed_by_name",
              "deadline", "status", "outcome", "resolved_at", "resolved_by"]
    readonly_fields = ["organization", "account_number", "reason", "explanation",
                       "filed_by_name", "status", "resolved_at", "resolved_by"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Overdue"), boolean=True)
    def overdue(self, obj):
        return obj.overdue
