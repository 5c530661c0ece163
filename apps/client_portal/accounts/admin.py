from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.client_portal.core import audit
from apps.client_portal.core.admin import MembershipAdmin, OrganizationAdmin
from apps.client_portal.core.admin_base import AuditedAdmin, TabularInline
from apps.client_portal.core.errors import Refused

from . import services
from .models import AccessGrant, ActivationCode, User

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, AuditedAdmin):
    pass


class AccessGrantInline(TabularInline):
    """Who gave this record portal access, when, and whether the SMS went."""

    model = AccessGrant
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["created_at", "organization", "phone", "outcome", "detail", "granted_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrganizationAccessGrantInline(AccessGrantInline):
    fk_name = "organization"
    fields = ["created_at", "user", "phone", "outcome", "detail", "granted_by"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["email", "username", "first_name", "last_name", "phone", "is_staff",
                    "is_active", "last_login"]
    search_fields = ["email", "username", "first_name", "last_name", "phone", "national_id"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ["phone", "national_id_country", "national_id", "language",
                                  "must_change_password"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"],
                "fields": ["username", "email", "password1", "password2"]}),
    )
    inlines = [AccessGrantInline]


class IssueCodeForm(forms.ModelForm):
    send_email = forms.BooleanField(
        label=_("Email the code to the person"), required=False, initial=False)

    class Meta:
        model = ActivationCode
        fields = ["organization", "user", "person_name", "email", "role"]


@admin.register(ActivationCode)
class ActivationCodeAdmin(AuditedAdmin):
    """Issue codes here; the code is shown once, after saving, and never again."""

    form = IssueCodeForm
    list_display = ["email", "organization", "role", "status", "expires_at", "used_at",
                    "attempts", "created_by"]
    list_filter = ["role", ("expires_at", admin.DateFieldListFilter)]
    search_fields = ["email", "person_name", "organization__name"]
    autocomplete_fields = ["organization", "user"]
    list_select_related = ["organization", "created_by"]
    readonly_fields = ["expires_at", "used_at", "used_by", "revoked_at", "attempts",
                       "created_by", "created_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "user", "person_name", "email", "role", "send_email"]
        return ["organization", "user", "person_name", "email", "role", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status

    def add_view(self, request, form_url="", extra_context=None):
        form = IssueCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            activation, code = services.activation_code_issue(
                organization=data["organization"], email=data["email"], role=data["role"],
                user=data["user"], person_name=data["person_name"], created_by=request.user,
                send_email=data["send_email"], request=request,
            )
            context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                       "activation": activation, "code": code,
                       "title": _("Activation code issued")}
            return TemplateResponse(request, "admin/accounts/activation_code_issued.html",
                                    context)
        return super().add_view(request, form_url, extra_context)

    @admin.action(description=_("Revoke the selected codes"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = 0
        for activation in queryset.filter(used_at__isnull=True, revoked_at__isnull=True):
            activation.revoked_at = timezone.now()
            activation.save(update_fields=["revoked_at"])
            audit.record("activation_code.revoke", obj=activation, request=request)
            count += 1
        self.message_user(request, _("%(n)d revoked.") % {"n": count}, messages.SUCCESS)


@admin.register(AccessGrant)
class AccessGrantAdmin(AuditedAdmin):
    list_display = ["created_at", "organization", "user", "phone", "outcome", "granted_by"]
    list_filter = ["outcome"]
    search_fields = ["organization__name", "user__email", "phone"]
    list_select_related = ["organization", "user", "granted_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _report(modeladmin, request, outcomes):
    for level, text in outcomes:
        modeladmin.message_user(request, text, level)


@admin.action(description=_("Grant portal access (one-time password by SMS)"))
def grant_access_to_organizations(modeladmin, request, queryset):
    outcomes = []
    for organization in queryset:
        try:
            grant = services.grant_portal_access(organization=organization, by=request.user,
                                                 request=request)
        except Refused as exc:
            outcomes.append((messages.ERROR, f"{organization}: {exc.message}"))
        else:
            outcomes.append((messages.SUCCESS, _("%(org)s: password sent to %(phone)s.")
                             % {"org": organization, "phone": grant.phone}))
    _report(modeladmin, request, outcomes)


@admin.action(description=_("Grant portal access (one-time password by SMS)"))
def grant_access_to_members(modeladmin, request, queryset):
    outcomes = []
    for membership in queryset.select_related("user", "organization"):
        try:
            grant = services.grant_portal_access(organization=membership.organization,
                                                 membership=membership, by=request.user,
                                                 request=request)
        except Refused as exc:
            outcomes.append((messages.ERROR, f"{membership.user}: {exc.message}"))
        else:
            outcomes.append((messages.SUCCESS, _("%(who)s: password sent to %(phone)s.")
                             % {"who": membership.user, "phone": grant.phone}))
    _report(modeladmin, request, outcomes)


# The organization and membership pages belong to core; the access grant is
# offered there as an action, and its history shown on the organization.
OrganizationAdmin.actions = [*(OrganizationAdmin.actions or []), grant_access_to_organizations]
OrganizationAdmin.inlines = [*OrganizationAdmin.inlines, OrganizationAccessGrantInline]
MembershipAdmin.actions = [*(MembershipAdmin.actions or []), grant_access_to_members]
