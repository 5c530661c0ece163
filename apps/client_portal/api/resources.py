from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.models import Organization
from apps.client_portal.core.registry import (
    SECONDARY,
    Action,
    Column,
    Resource,
    computed,
    registry,
)
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
    for_kinds = (Organization.Kind.COMPANY,)  # integrations are a company's
    list_columns = ["name", "role", "prefix", Column("status", sortable=False),
                    Column("creator", priority=SECONDARY), "created_at",
                    Column("last_used_at", priority=SECONDARY)]
    filters = ["role"]
    search_fields = ["name", "prefix"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["name", "created_at", "last_used_at"]
    detail_fields = ["name", "role", "prefix", "status", "creator", "created_at",
                     "expires_at", "last_used_at", "revoked_at"]
    select_related = ["created_by"]
    create_fields = ["name", "role", "expires_at"]
    create_role = Role.OWNER
    export = False
    actions = [
        Action("revoke", _("Revoke"), role=Role.OWNER, style="danger",
               condition=lambda obj, access: obj.revoked_at is None,
               confirm=_("Revoke this key? Programs using it will stop working.")),
    ]

    @computed(_("Status"))
    def status(obj):
        return obj.status

    @computed(_("Created by"))
    def creator(obj):
        user = obj.created_by
        return user.display_name

    @classmethod
    def prepare_new(cls, obj, access):
        obj.created_by = access.user
        if access.organization is not None and obj.role == Role.OWNER:
            # A key never outranks a Manager: owners' powers stay with people.
            obj.role = Role.MANAGER
        obj.plain_key = obj.generate()

    @classmethod
    def secret_once(cls, obj):
        return getattr(obj, "plain_key", None)

from . import webhook_resources  # noqa: E402,F401  (registers the webhook resources)
