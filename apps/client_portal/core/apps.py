from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Organizations, memberships, the resource registry, audit and notifications."""

    name = "apps.client_portal.core"
    label = "core"
    verbose_name = _("Organizations and audit")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import signals  # noqa: F401

        autodiscover_modules("resources")
        autodiscover_modules("dashboard")
