from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People: the user account, sign-in, profile and password."""

    name = "apps.client_portal.accounts"
    label = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        # mfa and sso connect audit receivers for two-factor and single sign-on.
        from . import mfa, signals, sso  # noqa: F401
