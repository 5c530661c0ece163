from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Invoices, credit and debit notes, payments, balances, statements and tariffs."""

    name = "apps.client_portal.billing"
    label = "billing"
    verbose_name = _("Billing")
