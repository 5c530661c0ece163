"""Portal pages and API endpoints of loans beyond the generated ones.

Every loan is looked up through the resource's predicate (``LoanResource.get_object``):
another organization's loan answers 404 on every page, download and endpoint.
"""

import csv
import io
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.client_portal.api.access import access_for
from apps.client_portal.core import audit
from apps.client_portal.core.display import format_money, format_value
from apps.client_portal.core.errors import Refused
from apps.client_portal.portal.access import member_required

from . import services
from .forms import PayForm
from .models import Loan
from .online import payable_for
from .resources import PAY_ROLE, LoanResource, repayment_rows

DOWNLOADS = ("schedule.pdf", "schedule.csv", "repayments.pdf", "repayments.csv")


def _loan(access, lookup) -> Loan:
    return LoanResource.get_object(access, lookup)


def suggested_amount(loan: Loan) -> Decimal:
    """What the pay form offers: the arrears, else the next instalment, else nothing."""
    pos = services.position(loan)
    if pos["arrears"] > 0:
        return pos["arrears"]
    today = timezone.localdate()
    for row in services.current_rows(loan):
        if row.due_date >= today and row.paid_principal + row.paid_interest < row.total:
            return row.total - row.paid_principal - row.paid_interest
    return Decimal("0.00")


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def pay(request, lookup):
    """Repay any amount online: GET shows the form, POST opens the payment."""
    from apps.client_portal.billing import online
    from apps.client_portal.billing.gateways import enabled_gateways

    loan = _loan(request.access, lookup)
    if not request.access.has_role(PAY_ROLE):
        raise Refused(_("Your role does not allow payments."), code="forbidden")
    gateways = enabled_gateways()
    problem = None
    if loan.status not in (Loan.Status.ACTIVE, Loan.Status.TERMINATED):
        problem = _("This loan takes no repayments in its present state.")
    elif not gateways:
        problem = _("Online payment is not available at the moment.")
    if request.method == "POST" and problem is None:
        form = PayForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["gateway"] or gateways[0].name
            if chosen not in {g.name for g in gateways}:
                form.add_error(None, _("Choose a payment method."))
            else:
                try:
                    intent = online.start_payment(
                        request.access, gateway=chosen,
                        base_url=request.build_absolute_uri("/").rstrip("/"),
                        payable=payable_for(loan, form.cleaned_data["amount"],
                                            form.cleaned_data["description"]),
                        request=request)
                except Refused as exc:
                    messages.error(request, exc.message)
                    return redirect(request.get_full_path())
                return redirect(intent.redirect_url)
    else:
        form = PayForm(initial={"amount": suggested_amount(loan)})
    response = render(request, "loans/pay.html", {
        "loan": loan, "form": form, "gateways": gateways, "problem": problem,
        "position": services.position(loan),
    }, status=400 if request.method == "POST" and (problem or form.errors) else 200)
    origins = sorted({origin for g in gateways for origin in g.form_origins(request)})
    if origins:
        response._csp_update = {"form-action": origins}
    return response


def schedule_table(loan):
    return [[row.number, row.due_date, row.principal, row.interest, row.total]
            for row in services.current_rows(loan)]


def repayments_table(loan):
    return [[r.date, r.amount, r.principal, r.interest, r.penalty, r.other, r.deposit]
            for r in repayment_rows(loan)]


def _headers(kind):
    if kind == "schedule":
        return [_("No."), _("Date"), _("Principal"), _("Interest"), _("Total")]
    return [_("Date"), _("Amount"), _("Principal"), _("Interest"), _("Penalty interest"),
            _("Other"), _("Deposit")]


@require_GET
@member_required
def download(request, lookup, kind):
    """The schedule or the repayments of a loan, as PDF or CSV."""
    if kind not in DOWNLOADS:
        raise Http404
    loan = _loan(request.access, lookup)
    what, _dot, fmt = kind.partition(".")
    rows = schedule_table(loan) if what == "schedule" else repayments_table(loan)
    headers = _headers(what)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([value.isoformat() if hasattr(value, "isoformat") else str(value)
                             for value in row])
        body, content_type = out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        from apps.client_portal.documents.pdf import render_pdf

        title = (_("Repayment schedule of loan %(number)s") if what == "schedule"
                 else _("Repayments of loan %(number)s")) % {"number": loan.number}
        html = render_to_string("loans/table_pdf.html", {
            "title": title, "loan": loan, "headers": headers,
            "rows": [[format_money(v) if isinstance(v, Decimal) else format_value(v)
                      for v in row] for row in rows],
            "apr": loan.apr, "today": timezone.localdate(),
        })
        body, content_type = render_pdf(html), "application/pdf"
    audit.record("loans.download", obj=loan, request=request, changes={"file": kind})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="loan-{loan.number}-{what}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- API ------------------------------------------------------------------------------
def _money(value):
    return str(value)


class ScheduleView(APIView):
    """A loan's current repayment schedule; another organization's loan answers 404."""

    @extend_schema(responses={200: inline_serializer("LoanScheduleRow", {
        "number": serializers.IntegerField(), "due_date": serializers.DateField(),
        "principal": serializers.DecimalField(max_digits=14, decimal_places=2),
        "interest": serializers.DecimalField(max_digits=14, decimal_places=2),
        "total": serializers.DecimalField(max_digits=14, decimal_places=2)}, many=True)},
        tags=["Loans"])
    def get(self, request, lookup):
        loan = _loan(access_for(request), lookup)
        return Response([
            {"number": number, "due_date": due.isoformat(), "principal": _money(principal),
             "interest": _money(interest), "total": _money(total)}
            for number, due, principal, interest, total in schedule_table(loan)])


class RepaymentsView(APIView):
    """A loan's repayments and how each was allocated; another organization's loan: 404."""

    @extend_schema(responses={200: inline_serializer("LoanRepaymentRow", {
        "date": serializers.DateField(),
        **{name: serializers.DecimalField(max_digits=14, decimal_places=2)
           for name in ("amount", "principal", "interest", "penalty", "other", "deposit")}},
        many=True)}, tags=["Loans"])
    def get(self, request, lookup):
        loan = _loan(access_for(request), lookup)
        return Response([
            {"date": r.date.isoformat(), "amount": _money(r.amount),
             "principal": _money(r.principal), "interest": _money(r.interest),
             "penalty": _money(r.penalty), "other": _money(r.other),
             "deposit": _money(r.deposit)}
            for r in repayment_rows(loan)])
