"""The back office's side menu: sections with readable titles, and in each only what the
person's staff group may see (its model permissions, ``fixtures/roles.json``).

A model registered in the admin but named in no section lands in "Other", so
nothing disappears; a section with nothing the person may see is left out.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# (section title, unfold icon, model labels in order)
SECTIONS = [
    (_("Clients"), "business", ["core.Organization", "core.Membership", "accounts.User",
                                 "accounts.ActivationCode", "accounts.AccessGrant"]),
    (_("Billing"), "receipt_long", ["billing.FinancialDocument", "billing.Payment",
                                     "billing.PaymentIntent", "billing.Tariff",
                                     "billing.ImportBatch", "billing.PdfBatch"]),
    (_("Documents"), "description", ["documents.StoredFile", "signing.SignatureRequest",
                                      "signing.EvidenceEvent", "signing.ConsentText"]),
    (_("Loans"), "savings", ["loans.Loan", "loans.Repayment", "loans.ScheduleVersion",
                             "loans.PenaltyAccrual", "loans.LoanProduct",
                             "loans.ReferenceRate"]),
    (_("Credit bureau"), "account_balance", [
        "bureau.Debt", "bureau.DebtImport", "bureau_reports.CreditReport",
        "bureau_reports.RegistryLookup", "bureau_reports.PersonalReport",
        "bureau_reports.Dispute", "bureau_reports.Subscription", "bureau_reports.Plan"]),
    (_("Messages"), "campaign", ["core.Announcement", "core.Notification", "core.Feedback"]),
    (_("Integrations"), "hub", ["api.ApiKey", "api.WebhookEndpoint", "api.WebhookDelivery"]),
    (_("Security and sign-in"), "shield", [
        "core.AuditEvent", "auth.Group", "usersessions.UserSession", "mfa.Authenticator",
        "account.EmailAddress", "socialaccount.SocialApp", "socialaccount.SocialAccount",
        "socialaccount.SocialToken", "axes.AccessAttempt", "axes.AccessFailureLog",
        "axes.AccessLog"]),
]
ICONS = {"core.Organization": "apartment", "core.Membership": "group", "accounts.User": "person",
         "billing.FinancialDocument": "request_quote", "billing.Payment": "payments",
         "core.AuditEvent": "policy", "core.Feedback": "forum", "api.ApiKey": "key"}


def _changelist(model) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return None


def navigation(request) -> list[dict]:
    """unfold's ``SIDEBAR["navigation"]`` for ``request.user``."""
    registered = {model._meta.label: model for model in admin.site._registry}
    placed = {label for _title, _icon, labels in SECTIONS for label in labels}
    other = sorted((label for label in registered if label not in placed
                    and registered[label]._meta.managed), key=str.lower)
    user = request.user
    groups = []
    for title, icon, labels in [*SECTIONS, (_("Other"), "more_horiz", other)]:
        items = []
        for label in labels:
            model = registered.get(label)
            if model is None:
                continue
            opts = model._meta
            if not (user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
                    or user.has_perm(f"{opts.app_label}.change_{opts.model_name}")):
                continue
            link = _changelist(model)
            if link:
                items.append({"title": capfirst(opts.verbose_name_plural),
                              "icon": ICONS.get(label, "chevron_right"), "link": link})
        if items:
            groups.append({"title": title, "icon": icon, "separator": True, "items": items})
    if user.is_superuser:
        groups.append({"title": _("Background jobs"), "icon": "schedule", "items": [
            {"title": _("Queues"), "icon": "schedule", "link": reverse("django_rq:home")}]})
    return groups
