from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People: the user account, sign-in, profile and password."""

    name = "apps.client_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
