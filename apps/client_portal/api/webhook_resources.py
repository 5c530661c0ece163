import json

from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import jobs
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

from .models import ALL_EVENTS, WebhookDelivery, WebhookEndpoint, generate_webhook_secret
from .webhooks import deliver


@registry.register
class WebhookEndpointResource(Resource):
    model = WebhookEndpoint
    slug = "webhooks"
    label = _("Webhooks")
    icon = "link"
    menu_order = 965
    read_role = Role.OWNER
    for_kinds = (Organization.Kind.COMPANY,)  # integrations are a company's
    list_columns = ["url", "description", Column("status", sortable=False), "created_at"]
    filters = ["is_active"]
    search_fields = ["url", "description"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["url", "description", "events", "status", "disabled_at",
                     "why_disabled", "consecutive_failures", "creator", "created_at"]
    # why_disabled in the requester's language; disabled_message is its code, for programs.
    api_fields = ["url", "description", "event_types", "is_active", "disabled_at",
                  "why_disabled", "disabled_message", "consecutive_failures", "created_at"]
    select_related = ["created_by"]
    list_select_related = []
    create_fields = ["url", "description", "event_types"]
    create_role = Role.OWNER
    edit_fields = ["url", "description", "event_types"]
    edit_role = Role.OWNER
    export = False
    actions = [
        Action("disable", _("Disable"), role=Role.OWNER, style="danger",
               condition=lambda obj, access: obj.is_active,
               confirm=_("Disable this webhook? Nothing is sent to it until it is enabled "
                         "again.")),
        Action("enable", _("Enable"), role=Role.OWNER,
               condition=lambda obj, access: not obj.is_active),
    ]

    @computed(_("Status"), needs=("is_active",))
    def status(obj):
        return obj.status

    @computed(_("Why disabled"), needs=("disabled_reason", "disabled_message",
                                        "disabled_params"))
    def why_disabled(obj):
        return obj.why_disabled

    @computed(_("Events"), needs=("event_types",))
    def events(obj):
        return "\n".join(str(_("All events")) if name == ALL_EVENTS else name
                         for name in obj.event_types)

    @computed(_("Created by"), needs=("created_by",))
    def creator(obj):
        user = obj.created_by
        return user.display_name if user else ""

    @classmethod
    def prepare_new(cls, obj, access):
        obj.created_by = access.user
        obj.secret = generate_webhook_secret()
        obj.new_secret = obj.secret

    @classmethod
    def secret_once(cls, obj):
        return getattr(obj, "new_secret", None)


def _may_redeliver(obj, access):
    return obj.status != WebhookDelivery.Status.PENDING and obj.endpoint.is_active


@registry.register
class WebhookDeliveryResource(Resource):
    model = WebhookDelivery
    slug = "webhook-deliveries"
    label = _("Webhook deliveries")
    icon = "clock"
    menu_order = 966
    read_role = Role.OWNER
    for_kinds = (Organization.Kind.COMPANY,)
    list_columns = ["created_at", "event_type", "status", Column("attempts", priority=SECONDARY),
                    Column("last_response_code", priority=SECONDARY), "endpoint"]
    filters = ["status", "endpoint", "created_at"]
    search_fields = ["event_type", "event_id"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["event_id", "event_type", "endpoint", "status", "attempts",
                     "next_attempt_at", "last_response_code", "last_response_body",
                     "last_error", "created_at", "delivered_at", "body"]
    api_fields = ["event_id", "event_type", "endpoint", "status", "attempts",
                  "next_attempt_at", "last_response_code", "last_response_body",
                  "last_error", "created_at", "delivered_at", "payload"]
    select_related = ["endpoint"]
    actions = [
        Action("redeliver", _("Redeliver"), role=Role.OWNER, condition=_may_redeliver,
               confirm=_("Send this event again now? The retries start over.")),
    ]

    @computed(_("Payload"), needs=("payload",))
    def body(obj):
        return json.dumps(obj.payload, indent=2, ensure_ascii=False)

    @classmethod
    def after_action(cls, obj, action, access):
        jobs.enqueue(deliver, obj.pk)  # once the action commits
