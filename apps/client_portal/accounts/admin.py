from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.client_portal.core.admin_base import AuditedAdmin

from .models import User

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, AuditedAdmin):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["email", "username", "first_name", "last_name", "is_staff", "is_active",
                    "last_login"]
    search_fields = ["email", "username", "first_name", "last_name", "phone"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ["phone", "language", "must_change_password"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"],
                "fields": ["username", "email", "password1", "password2"]}),
    )
