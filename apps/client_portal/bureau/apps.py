from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauConfig(AppConfig):
    """Furnished debts and their imports (CSV, Metro 2, form); reports live in bureau.reports."""

    name = "apps.client_portal.bureau"
    label = "bureau"
    verbose_name = _("Credit bureau")
