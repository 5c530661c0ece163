from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauReportsConfig(AppConfig):
    """Credit reports, scoring, registry look-ups, the personal report, subscriptions and quotas."""

    name = "apps.client_portal.bureau.reports"
    label = "bureau_reports"
    verbose_name = _("Credit bureau: reports and subscriptions")
