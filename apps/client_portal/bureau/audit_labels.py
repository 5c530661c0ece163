"""How the audit log describes the actions this module records (core/auditview.py)."""

from django.utils.translation import gettext_lazy as _

DESCRIPTIONS: dict = {
    "bureau.import_queued": _("Debt import started"),
    "bureau.import_done": _("Debt import finished"),
    "bureau.import_refused": _("Debt import refused"),
    "bureau.import_cancel": _("Debt import cancellation asked"),
    "bureau.import_cancelled": _("Debt import cancelled"),
    "bureau.debts_expired": _("Expired debts removed (five-year retention)"),
}
