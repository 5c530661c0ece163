"""Loans as the portal, the API and the back office show them (declared once)."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.client_portal.core.display import format_value, money_html
from apps.client_portal.core.registry import (
    FOLDED,
    SECONDARY,
    Card,
    Column,
    Layout,
    Link,
    Preset,
    Related,
    Resource,
    Section,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import Role

from . import services
from .models import Loan

PAY_ROLE = Role.MEMBER


def _pay_url(obj, access):
    if obj.status not in (Loan.Status.ACTIVE, Loan.Status.TERMINATED):
        return ""
    return reverse("loans:pay", args=[obj.uuid])


def _download(kind):
    def url(obj, access):
        if obj.status == Loan.Status.TO_BE_DISBURSED:
            return ""
        return reverse("loans:download", args=[obj.uuid, kind])
    return url


def _percent(value):
    return "" if value is None else f"{format_value(value.normalize())}%"


def _money(obj, amount):
    return money_html(amount, obj.currency)


def schedule_rows(obj):
    return services.current_rows(obj)


def instalment_status(row):
    """Paid, partially paid, overdue or not yet due: from what the allocations put on the
    row (its paid amounts, kept by services), so no query per row."""
    paid = row.paid_principal + row.paid_interest
    if paid >= row.total:
        token, text = "paid", _("Paid")
    elif row.due_date < timezone.localdate():
        token, text = "overdue", _("Overdue")
    elif paid > 0:
        token, text = "partially-paid", _("Partially paid")
    else:
        token, text = "scheduled", _("Not yet due")
    return format_html('<span class="pill pill-{}" data-status="{}">{}</span>', token, token,
                       text)


def repayment_rows(obj):
    return list(obj.repayments.filter(reversed_at__isnull=True).order_by("date", "id"))


@registry.register
class LoanResource(Resource):
    model = Loan
    slug = "loans"
    label = _("Loans")
    icon = "wallet"
    menu_order = 150
    read_role = Role.VIEWER
    list_columns = [
        "number", "amount", "instalments", "status", Column("product", priority=SECONDARY),
        Column("borrower_name", priority=SECONDARY, sortable=False),
        Column("disbursement_date", priority=FOLDED),
    ]
    filters = ["status", "disbursement_date", "amount"]
    search_fields = ["number"]
    ordering = ["-disbursement_date", "-id"]
    presets = [
        Preset("active", _("Active"), Q(status=Loan.Status.ACTIVE)),
        Preset("closed", _("Closed"), Q(status__in=Loan.CLOSED)),
    ]
    select_related = ["product", "borrower", "organization"]
    list_select_related = ["product", "borrower", "organization"]
    list_needs = ["currency"]  # the amount is shown with its currency
    money_fields = {name: "currency" for name in (
        "amount", "principal_outstanding", "fees", "total_debt", "arrears", "deposit",
        "early_repayment")}
    detail_fields = [
        "number", "product", "status", "amount", "currency", "instalments", "annual_rate_text",
        "grace", "disbursement_date", "borrower_name", "repayment_account", "total_debt",
        "arrears", "days_past_due_text", "penalty_rate_text", "apr_text", "fees",
        "principal_outstanding", "deposit", "early_repayment",
    ]
    api_fields = ["number", "product", "status", "amount", "currency", "instalments",
                  "annual_rate", "penalty_rate", "principal_grace", "interest_grace",
                  "disbursement_date", "repayment_account", "principal_outstanding", "apr"]
    # (Total debt and arrears are computed from the schedule: on the pages, not in the API
    # list, where they would cost queries per row; the schedule endpoint gives the rows.)
    layout = Layout(
        header=["status", "amount", "total_debt", "arrears"],
        sections=[
            Section(_("Loan"), ["number", "product", "amount", "instalments", "annual_rate_text",
                                "grace", "disbursement_date", "apr_text", "fees"]),
            Section(_("Borrower"), ["borrower_name", "repayment_account"]),
            Section(_("Arrears"), ["total_debt", "arrears", "days_past_due_text",
                                   "penalty_rate_text", "deposit", "early_repayment"]),
        ],
        related=[
            Related("schedule", _("Schedule"), rows=schedule_rows,
                    columns=["number", "due_date", "principal", "interest", "total", "status"],
                    labels={"number": _("No."), "due_date": _("Date"),
                            "principal": _("Principal"), "interest": _("Interest"),
                            "total": _("Total"), "status": _("Status")},
                    numbers=["number", "principal", "interest", "total"],
                    format={"due_date": lambda r: format_value(r.due_date),
                            "status": instalment_status,
                            "principal": lambda r: _money(r.schedule.loan, r.principal),
                            "interest": lambda r: _money(r.schedule.loan, r.interest),
                            "total": lambda r: _money(r.schedule.loan, r.total)}),
            Related("repayments", _("Repayments"), rows=repayment_rows,
                    columns=["date", "amount", "principal", "interest", "penalty", "other",
                             "deposit"],
                    labels={"date": _("Date"), "amount": _("Amount"),
                            "principal": _("Principal"), "interest": _("Interest"),
                            "penalty": _("Penalty interest"), "other": _("Other"),
                            "deposit": _("Deposit")},
                    numbers=["amount", "principal", "interest", "penalty", "other", "deposit"],
                    format={"date": lambda r: format_value(r.date),
                            **{name: (lambda n: lambda r: _money(r.loan, getattr(r, n)))(name)
                               for name in ("amount", "principal", "interest", "penalty",
                                            "other", "deposit")}}),
        ],
        links=[
            Link("pay", _("Pay online"), _pay_url, role=PAY_ROLE),
            Link("schedule_pdf", _("Schedule (PDF)"), _download("schedule.pdf"),
                 style="secondary"),
            Link("schedule_csv", _("Schedule (CSV)"), _download("schedule.csv"),
                 style="secondary"),
            Link("repayments_pdf", _("Repayments (PDF)"), _download("repayments.pdf"),
                 style="secondary"),
            Link("repayments_csv", _("Repayments (CSV)"), _download("repayments.csv"),
                 style="secondary"),
        ],
    )

    @computed(_("Borrower"), needs=["borrower", "organization"])
    def borrower_name(obj):
        if obj.borrower_id:
            return obj.borrower.display_name
        return obj.organization.name

    @computed(_("Interest rate"), needs=["annual_rate"])
    def annual_rate_text(obj):
        return _percent(obj.annual_rate)

    @computed(_("Penalty interest rate"), needs=["penalty_rate"])
    def penalty_rate_text(obj):
        return _percent(obj.penalty_rate)

    @computed(_("APR (RRSO)"), needs=["apr"])
    def apr_text(obj):
        return _percent(obj.apr)

    @computed(_("Grace period"), needs=["principal_grace", "interest_grace"])
    def grace(obj):
        if not obj.principal_grace and not obj.interest_grace:
            return _("None")
        return _("%(principal)s instalments on principal, %(interest)s on interest") % {
            "principal": obj.principal_grace, "interest": obj.interest_grace}

    @computed(_("Total debt"))
    def total_debt(obj):
        return services.position(obj)["total_debt"]

    @computed(_("Current arrears"))
    def arrears(obj):
        return services.position(obj)["arrears"]

    @computed(_("Days past due"))
    def days_past_due_text(obj):
        pos = services.position(obj)
        return str(pos["days_past_due"])

    @computed(_("Deposit (overpayment)"), needs=["deposit"])
    def deposit(obj):
        return obj.deposit

    @computed(_("Early repayment today"))
    def early_repayment(obj):
        if obj.status != Loan.Status.ACTIVE:
            return ""
        return services.early_repayment_quote(obj).total

    @classmethod
    def dashboard_cards(cls, access):
        if access.organization is None:
            return []
        loans = Loan.objects.for_access(access).filter(status=Loan.Status.ACTIVE)
        cards = []
        for loan in loans[:3]:
            pos = services.position(loan)
            if pos["arrears"] > 0:
                # Plain words: billing's card beside it counts overdue invoices only.
                title = _("Loan %(number)s overdue") % {"number": loan.number}
                hint = ngettext("%(days)s day past due", "%(days)s days past due",
                                pos["days_past_due"]) % {"days": pos["days_past_due"]}
            else:
                title, hint = str(loan), _("Current arrears")
            cards.append(Card(title, money_html(pos["arrears"], loan.currency),
                              url=loan.get_absolute_url(), hint=hint,
                              tone="danger" if pos["arrears"] > 0 else ""))
        return cards
