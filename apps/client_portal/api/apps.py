from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API generated from the resource registry, API keys and webhooks."""

    name = "apps.client_portal.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from apps.client_portal.core.events import event_emitted

        from . import schema, webhooks

        schema.install_enum_name_overrides()
        event_emitted.connect(webhooks.on_event, dispatch_uid="api.webhooks")
