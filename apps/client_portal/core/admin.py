from django import forms
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import AuditedAdmin, ResourceAdmin, TabularInline
from .models import (
    Announcement,
    AuditEvent,
    Feedback,
    FeedbackReply,
    Membership,
    Notification,
    Organization,
    QueuedJob,
    validate_attachment,
)
from .resources import (
    AuditEventResource,
    FeedbackReplyResource,
    FeedbackResource,
    MembershipResource,
    NotificationResource,
    OrganizationResource,
)

# The back office's index groups models by application. Some applications we use name
# themselves in ways staff cannot read ("Accounts" twice, "Django_Rq", "Axes"): each gets
# a distinct title here, where the back office is put together (their own code stays as
# it is). tests/admin_sweep/ checks the index has no duplicate or raw titles.
APP_TITLES = {
    "auth": _("Staff groups"),
    "account": _("Email addresses"),
    "mfa": _("Two-factor authentication"),
    "socialaccount": _("Single sign-on"),
    "usersessions": _("Signed-in sessions"),
    "axes": _("Sign-in attempts"),
    "django_rq": _("Background jobs"),
}
for _label, _title in APP_TITLES.items():
    if _label in apps.app_configs:
        apps.app_configs[_label].verbose_name = _title


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organization)
class OrganizationAdmin(ResourceAdmin):
    resource = OrganizationResource
    # Staff manage every field of a client, and its people.
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
class MembershipAdmin(ResourceAdmin):
    resource = MembershipResource
    autocomplete_fields = ["user", "organization"]


@admin.register(AuditEvent)
class AuditEventAdmin(ResourceAdmin):
    resource = AuditEventResource
    # The log is evidence: read only, for everyone.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ResourceAdmin):
    resource = NotificationResource
    autocomplete_fields = ["user", "organization"]


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdmin):
    # Written by staff for many organizations: not a client resource's admin.
    list_display = ["title", "important", "audience_all", "published_at", "expires_at"]
    list_filter = ["important", "audience_all"]
    search_fields = ["title", "body"]
    filter_horizontal = ["organizations"]


class FeedbackReplyForm(forms.ModelForm):
    # A plain file input: the stored attachment has no public URL to show.
    file = forms.FileField(label=_("attachment"), required=False,
                           validators=[validate_attachment])

    class Meta:
        model = FeedbackReply
        fields = ["body"]


class FeedbackReplyInline(TabularInline):
    """The thread under a feedback: staff write a new answer in the empty row."""

    model = FeedbackReply
    form = FeedbackReplyForm
    extra = 1
    fields = ["created_at", "from_staff", "author", "body", "file"]
    readonly_fields = ["created_at", "from_staff", "author"]

    @admin.display(description=_("attachment"))
    def file(self, obj):
        return obj.attachment.name.rsplit("/", 1)[-1] if obj.attachment else "—"

    def has_change_permission(self, request, obj=None):
        return False  # sent messages stay as sent

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(ResourceAdmin):
    resource = FeedbackResource
    readonly_fields = ["organization", "author", "kind", "subject", "body", "page", "status",
                       "created_at"]
    fields = readonly_fields
    inlines = [FeedbackReplyInline]

    def has_add_permission(self, request):
        return False

    def save_formset(self, request, form, formset, change):
        # A staff answer goes through the thread's service: status, audit, notice.
        if formset.model is not FeedbackReply:
            return super().save_formset(request, form, formset, change)
        from .feedback import staff_reply

        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None) or {}
            if inline_form.instance.pk is None and data.get("body"):
                formset.new_objects.append(staff_reply(
                    feedback=form.instance, author=request.user, body=data["body"],
                    attachment=data.get("file"), request=request))


@admin.register(FeedbackReply)
class FeedbackReplyAdmin(ResourceAdmin):
    """Sent messages of feedback threads, read only; answers are written on the feedback."""

    resource = FeedbackReplyResource
    fields = ["organization", "feedback", "author", "from_staff", "body", "file", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("attachment"))
    def file(self, obj):
        return obj.attachment.name.rsplit("/", 1)[-1] if obj.attachment else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QueuedJob)
class QueuedJobAdmin(AuditedAdmin):
    """Jobs that waited in the database while Redis was down (``run_queued_jobs`` moves them)."""

    list_display = ["created_at", "func_path", "queue", "attempts", "last_attempt_at",
                    "last_error"]
    search_fields = ["func_path"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
