from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    """Loan products, loans, repayment schedules, repayments, arrears and statutory limits."""

    name = "apps.client_portal.loans"
    label = "loans"
    verbose_name = _("Loans")
