"""How the audit log describes the actions this module records (core/auditview.py)."""

from django.utils.translation import gettext_lazy as _

DESCRIPTIONS: dict = {
    "loans.disburse": _("Loan disbursed"),
    "loans.repayment": _("Loan repayment recorded and allocated"),
    "loans.repayment_reverse": _("Loan repayment reversed"),
    "loans.repaid": _("Loan repaid in full"),
    "loans.reopen": _("Repaid loan reopened by a reversal"),
    "loans.reschedule_propose": _("Loan reschedule proposed"),
    "loans.reschedule_approve": _("Loan reschedule approved"),
    "loans.reschedule_reject": _("Loan reschedule rejected"),
    "loans.terminate": _("Loan terminated"),
    "loans.write_off": _("Loan written off"),
    "loans.borrower": _("Borrower given access to the loan"),
    "loans.accrue": _("Daily penalty interest accrued"),
    "loans.download": _("Loan schedule or repayments downloaded"),
    "loans.statement_import": _("Bank statement of loan repayments imported"),
    "loans.deposit_refund": _("Loan deposit (overpayment) refunded to the borrower"),
    "loans.repayment_held": _("Online repayment for a closed loan kept as its deposit for staff"),
}
