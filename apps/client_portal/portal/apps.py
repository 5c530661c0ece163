from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The client portal: shell, dashboard, and pages generated from the registry."""

    name = "apps.client_portal.portal"
    label = "portal"
    verbose_name = _("Portal")
