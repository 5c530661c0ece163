from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import Action, Column, Resource, registry
from apps.client_portal.core.tenancy import Role

from .models import ApiKey


@registry.register
class ApiKeyResource(Resource):
    model = ApiKey
    slug = "api-keys"
    label = _("API keys")
    icon = "key"
    menu_order = 960
    read_role = Role.OWNER
    list_columns = ["name", "role", "prefix", Column("status", _("Status"), sortable=False),
                    "created_at", "last_used_at"]
    filters = ["role"]
    search_fields = ["name", "prefix"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["name", "created_at", "last_used_at"]
    detail_fields = ["name", "role", "prefix", "status", "created_by", "created_at",
                     "expires_at", "last_used_at", "revoked_at"]
    select_related = ["created_by"]
    create_fields = ["name", "role", "expires_at"]
    create_role = Role.OWNER
    export = False
    actions = [
        Action("revoke", _("Revoke"), role=Role.OWNER, style="danger",
               confirm=_("Revoke this key? Programs using it will stop working.")),
    ]

    @classmethod
    def can_revoke(cls, obj, access):
        return obj.revoked_at is None

    @classmethod
    def prepare_new(cls, obj, access):
        super().prepare_new(obj, access)
        obj.created_by = access.user
        obj.organization = access.organization
        if access.organization is not None and obj.role == Role.OWNER:
            # A key never outranks a Manager: owners' powers stay with people.
            obj.role = Role.MANAGER
        obj.plain_key = obj.generate()
