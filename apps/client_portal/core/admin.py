from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import AuditedAdmin, TabularInline, resource_defaults, transition_action
from .models import Announcement, AuditEvent, Feedback, Membership, Notification, Organization
from .resources import FeedbackResource, NotificationResource


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "country", "registration_number", "client_code", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["name", "registration_number", "vat_number", "client_code", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["kind", "name", "client_code", "is_active"]}),
        (_("Identifiers"), {"fields": ["country", "registration_number", "vat_number"]}),
        (_("Contacts"), {"fields": ["address", "city", "postal_code", "email", "phone",
                                    "notify_by_email"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedAdmin):
    list_display = ["at", "actor_label", "action", "object_repr", "organization", "ip"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "action", "object_repr", "object_id", "ip"]
    list_select_related = ["organization"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    locals().update(resource_defaults(NotificationResource))
    list_display = ["title", "user", "organization", "level", "created_at", "read_at"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdmin):
    list_display = ["title", "important", "audience_all", "published_at", "expires_at"]
    list_filter = ["important", "audience_all"]
    search_fields = ["title", "body"]
    filter_horizontal = ["organizations"]


@admin.register(Feedback)
class FeedbackAdmin(AuditedAdmin):
    locals().update(resource_defaults(FeedbackResource))
    list_display = ["subject", "organization", "kind", "status", "created_at"]
    list_select_related = ["organization"]
    readonly_fields = ["organization", "author", "kind", "subject", "body", "page", "status",
                       "created_at"]
    fields = readonly_fields + ["answer"]
    actions = [
        transition_action("start", _("Take in hand")),
        transition_action("mark_answered", _("Mark answered")),
    ]

    def has_add_permission(self, request):
        return False
