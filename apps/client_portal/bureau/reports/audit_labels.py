"""How the audit log describes the actions this app records (core/auditview.py)."""

from django.utils.translation import gettext_lazy as _

DESCRIPTIONS = {
    "bureau_reports.quota_taken": _("Subscription quota used"),
    "bureau_reports.report_pdf": _("Credit report downloaded as PDF"),
    "bureau_reports.report_json": _("Credit report downloaded as JSON"),
    "bureau_reports.personal_report": _("Personal credit report obtained"),
    "bureau_reports.dispute_opened": _("Credit record disputed"),
}
