"""The back office of loans: products, reference rates, loans and their staff actions,
schedule versions (approve a reschedule), repayments (reverse), statement import."""

import datetime as dt

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action as unfold_action

from apps.client_portal.core.admin_base import AuditedAdmin, ResourceAdmin, TabularInline
from apps.client_portal.core.errors import Refused

from . import services
from .forms import DepositRefundForm, StatementImportForm
from .models import (
    DepositRefund,
    Instalment,
    Loan,
    LoanProduct,
    PenaltyAccrual,
    ReferenceRate,
    Repayment,
    ScheduleVersion,
)
from .resources import LoanResource


@admin.register(ReferenceRate)
class ReferenceRateAdmin(AuditedAdmin):
    list_display = ["valid_from", "rate", "source"]
    ordering = ["-valid_from"]


@admin.register(LoanProduct)
class LoanProductAdmin(AuditedAdmin):
    list_display = ["name", "amortization", "interest_method", "day_count", "frequency",
                    "annual_rate", "penalty_rate", "is_active"]
    list_filter = ["is_active", "amortization", "interest_method"]
    search_fields = ["name"]


def _run(request, queryset, func, done):
    count = 0
    for loan in queryset:
        try:
            func(loan, by=request.user, request=request)
            count += 1
        except Refused as exc:
            messages.error(request, f"{loan.number}: {exc.message}")
    if count:
        messages.success(request, done % {"count": count})


@admin.action(description=_("Disburse (make the schedule)"))
def disburse(modeladmin, request, queryset):
    _run(request, queryset, services.disburse, _("%(count)s loans disbursed."))


@admin.action(description=_("Terminate"))
def terminate(modeladmin, request, queryset):
    _run(request, queryset, services.terminate, _("%(count)s loans terminated."))


@admin.action(description=_("Write off"))
def write_off(modeladmin, request, queryset):
    _run(request, queryset, services.write_off, _("%(count)s loans written off."))


@admin.action(description=_("Access to the client zone (SMS password)"))
def client_access(modeladmin, request, queryset):
    _run(request, queryset, services.grant_client_access,
         _("Client-zone access sent for %(count)s loans."))


@admin.action(description=_("Apply the deposit"))
def apply_deposit(modeladmin, request, queryset):
    _run(request, queryset, services.apply_deposit, _("Deposit applied on %(count)s loans."))


@admin.action(description=_("Refund the deposit"))
def refund_deposit(modeladmin, request, queryset):
    if queryset.count() != 1:
        messages.error(request, _("Choose one loan to refund its deposit."))
        return None
    return redirect(reverse("admin:loans_loan_refund_deposit", args=[queryset.get().pk]))


class DepositRefundInline(TabularInline):
    model = DepositRefund
    extra = 0
    fields = ["date", "amount", "reference", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Propose a reschedule from today (remaining instalments)"))
def propose_reschedule(modeladmin, request, queryset):
    today = dt.date.today()

    def propose(loan, by, request):
        left = sum(1 for row in services.current_rows(loan) if row.due_date > today)
        services.propose_reschedule(loan, starts_on=today, instalments=max(1, left),
                                    reason=str(_("Proposed in the back office")), by=by,
                                    request=request)

    _run(request, queryset, propose, _("%(count)s reschedules proposed; another person "
                                       "approves them under Schedule versions."))


@admin.register(Loan)
class LoanAdmin(ResourceAdmin):
    resource = LoanResource
    list_display = ["number", "organization", "product", "amount", "instalments", "status",
                    "disbursement_date"]
    list_filter = ["status", "product"]
    search_fields = ["number", "organization__name"]
    autocomplete_fields = ["organization", "borrower"]
    fields = ["organization", "number", "product", "currency", "amount", "instalments",
              "annual_rate", "penalty_rate", "fees", "principal_grace", "interest_grace",
              "term_days", "disbursement_date", "borrower", "repayment_account", "status",
              "principal_outstanding", "penalty_accrued", "penalty_paid", "deposit", "apr",
              "accrued_through", "oldest_unpaid_due"]
    readonly_fields = ["status", "principal_outstanding", "penalty_accrued", "penalty_paid",
                       "deposit", "apr", "accrued_through", "oldest_unpaid_due"]
    actions = [disburse, client_access, propose_reschedule, apply_deposit, refund_deposit,
               terminate, write_off]
    actions_list = ["import_statement"]
    inlines = [DepositRefundInline]

    def get_urls(self):
        return [path("import-statement/", self.admin_site.admin_view(self.import_view),
                     name="loans_loan_import_statement"),
                path("<int:pk>/refund-deposit/", self.admin_site.admin_view(self.refund_view),
                     name="loans_loan_refund_deposit"), *super().get_urls()]

    def refund_view(self, request, pk):
        """Record a refund of the loan's deposit: amount, date and the transfer's reference."""
        loan = self.get_object(request, str(pk))
        if loan is None or not self.has_change_permission(request, loan):
            messages.error(request, _("You may not refund this loan's deposit."))
            return redirect(reverse("admin:loans_loan_changelist"))
        form = DepositRefundForm(request.POST or None, initial={
            "amount": loan.deposit, "date": dt.date.today()})
        if request.method == "POST" and form.is_valid():
            try:
                services.refund_deposit(loan, **form.cleaned_data, by=request.user,
                                        request=request)
            except Refused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Deposit refund recorded."))
                return redirect(reverse("admin:loans_loan_change", args=[loan.pk]))
        return TemplateResponse(request, "loans/admin_refund.html", {
            **self.admin_site.each_context(request), "form": form, "loan": loan,
            "title": _("Refund the deposit of %(loan)s") % {"loan": loan.number},
            "opts": self.model._meta,
        })

    @unfold_action(description=_("Import a bank statement"), url_path="import-statement-go")
    def import_statement(self, request):
        return redirect(reverse("admin:loans_loan_import_statement"))

    def import_view(self, request):
        from .statements import import_statement

        if not request.user.has_perm("loans.add_repayment"):
            messages.error(request, _("You may not record repayments."))
            return redirect(reverse("admin:loans_loan_changelist"))
        report = None
        form = StatementImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = import_statement(form.cleaned_data["file"], by=request.user,
                                      request=request)
            if report.ok:
                messages.success(request, _("%(count)s repayments recorded.") % {
                    "count": report.recorded})
            else:
                messages.error(request, _("Nothing was recorded: see the lines below."))
        return TemplateResponse(request, "loans/admin_import.html", {
            **self.admin_site.each_context(request), "form": form, "report": report,
            "title": _("Import a bank statement"), "opts": self.model._meta,
        })


class InstalmentInline(TabularInline):
    model = Instalment
    extra = 0
    fields = ["number", "due_date", "principal", "interest", "balance", "paid_principal",
              "paid_interest"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Approve the reschedule"))
def approve(modeladmin, request, queryset):
    for version in queryset:
        try:
            services.approve_reschedule(version, by=request.user, request=request)
            messages.success(request, _("Schedule %(v)s approved.") % {"v": version.version})
        except Refused as exc:
            messages.error(request, exc.message)


@admin.action(description=_("Reject the reschedule"))
def reject(modeladmin, request, queryset):
    for version in queryset:
        try:
            services.reject_reschedule(version, by=request.user, request=request)
        except Refused as exc:
            messages.error(request, exc.message)


@admin.register(ScheduleVersion)
class ScheduleVersionAdmin(AuditedAdmin):
    list_display = ["loan", "version", "state", "starts_on", "annual_rate", "created_by",
                    "approved_by"]
    list_filter = ["state"]
    inlines = [InstalmentInline]
    actions = [approve, reject]
    readonly_fields = ["organization", "loan", "version", "state", "reason", "starts_on",
                       "annual_rate", "created_by", "approved_by"]

    def has_add_permission(self, request):
        return False


@admin.action(description=_("Reverse the repayment"))
def reverse_repayment(modeladmin, request, queryset):
    for repayment in queryset:
        try:
            services.reverse_repayment(repayment, by=request.user, request=request)
        except Refused as exc:
            messages.error(request, exc.message)


@admin.register(Repayment)
class RepaymentAdmin(AuditedAdmin):
    list_display = ["loan", "date", "amount", "source", "reference", "principal", "interest",
                    "penalty", "other", "deposit", "reversed_at"]
    list_filter = ["source"]
    search_fields = ["reference", "loan__number"]
    actions = [reverse_repayment]
    readonly_fields = ["organization", "loan", "date", "amount", "source", "reference",
                       "description", "principal", "interest", "penalty", "other", "deposit",
                       "reversed_at", "created_by"]

    def has_add_permission(self, request):
        return False


@admin.register(PenaltyAccrual)
class PenaltyAccrualAdmin(AuditedAdmin):
    list_display = ["loan", "day", "overdue_principal", "rate", "amount"]
    date_hierarchy = "day"
    readonly_fields = ["organization", "loan", "day", "overdue_principal", "rate", "amount"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
