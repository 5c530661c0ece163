from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    """Loan products, loans, repayment schedules, repayments, arrears and statutory limits."""

    name = "apps.client_portal.loans"
    label = "loans"
    verbose_name = _("Loans")

    def ready(self):
        # Online repayment goes through billing's gateways: a paid intent settles here.
        from apps.client_portal.billing.online import register_payable

        from .online import settle_online_repayment

        register_payable("loans", settle_online_repayment)
