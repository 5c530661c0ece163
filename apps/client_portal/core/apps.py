from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Organizations, memberships, the resource registry, audit and notifications."""

    name = "apps.client_portal.core"
    label = "core"
    verbose_name = _("Organizations and audit")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import checks, signals  # noqa: F401  (system checks, audit of sign-ins)

        autodiscover_modules("resources")
        # After every admin module (the admin app's ready() imported them): the
        # resources without an admin of their own get the generated one.
        from .admin_base import register_resources

        register_resources()
