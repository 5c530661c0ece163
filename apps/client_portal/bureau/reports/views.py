"""Pages beyond the generated ones: a report's PDF and JSON, the personal report, disputes."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.client_portal.core import audit
from apps.client_portal.core.errors import Refused
from apps.client_portal.portal.access import member_required

from . import services
from .display import describe
from .models import Dispute, PersonalReport
from .resources import CreditReportResource


def _attachment(response, name):
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _report(request, lookup):
    report = CreditReportResource.get_object(request.access, lookup)
    if not report.content:
        raise Http404
    return report


@require_GET
@member_required
def report_pdf(request, lookup):
    report = _report(request, lookup)
    data = services.report_pdf(report, request=request)
    audit.record("bureau_reports.report_pdf", obj=report, organization=report.organization,
                 request=request)
    stamp = report.requested_at.strftime("%Y%m%d-%H%M")
    return _attachment(HttpResponse(data, content_type="application/pdf"),
                       f"credit-report-{stamp}.pdf")


@require_GET
@member_required
def report_json(request, lookup):
    report = _report(request, lookup)
    audit.record("bureau_reports.report_json", obj=report, organization=report.organization,
                 request=request)
    stamp = report.requested_at.strftime("%Y%m%d-%H%M")
    response = JsonResponse(services.report_json(report), json_dumps_params={"indent": 2})
    return _attachment(response, f"credit-report-{stamp}.json")


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Dispute.Reason.choices)
    explanation = forms.CharField(label=_("Explanation"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


def _personal(request):
    """The person's IDNP, or the page that says why there is no personal report."""
    try:
        return services.person_idnp(request.user), None
    except services.NoNationalId as exc:
        return None, render(request, "bureau_reports/personal_none.html",
                            {"message": exc.message}, status=403)


@require_http_methods(["GET", "POST"])
@member_required
def personal_report(request):
    idnp, refusal = _personal(request)
    if refusal:
        return refusal
    if request.method == "POST":
        try:
            report = services.order_personal_report(request.access, request=request)
        except Refused as exc:
            messages.error(request, exc.message)
            return redirect("bureau_reports:personal")
        return redirect("bureau_reports:personal_detail", report.uuid)
    reports = PersonalReport.objects.for_access(request.access).filter(user=request.user)
    return render(request, "bureau_reports/personal_list.html", {
        "reports": reports[:50], "free_left": services.free_report_left(request.user),
        "next_free": services.next_free_report(request.user), "idnp": idnp,
    })


def _own_personal(request, lookup) -> PersonalReport:
    found = PersonalReport.objects.for_access(request.access).filter(
        user=request.user, uuid=lookup).first()
    if found is None:
        raise Http404
    return found


def _detail(request, report, form=None, form_ref=None, status=200):
    """The personal report, its records marked with the person's open disputes.

    ``form`` is the refused dispute form, shown again (open, with its text) on the record
    ``form_ref`` so that nothing the person wrote is lost.
    """
    view = describe(report.content)
    refs = report.content.get("debt_refs", [])
    disputes = Dispute.objects.filter(filed_by=request.user).select_related("organization")
    open_by_debt = {str(d.debt.uuid): d for d in disputes.filter(
        status=Dispute.Status.OPEN, debt__isnull=False).select_related("debt")}
    for account, ref in zip(view["accounts"], refs, strict=False):
        account["ref"] = ref
        account["open_dispute"] = open_by_debt.get(ref)
        if account["open_dispute"]:
            account["disputed"] = True
        if form is not None and ref == form_ref:
            account["form"] = form
    return render(request, "bureau_reports/personal_detail.html", {
        "report": report, "view": view, "form": DisputeForm(),
        "disputes": disputes[:100],
    }, status=status)


@require_GET
@member_required
def personal_detail(request, lookup):
    return _detail(request, _own_personal(request, lookup))


@require_http_methods(["POST"])
@member_required
def dispute(request, lookup, debt):
    report = _own_personal(request, lookup)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason of the dispute."))
        return _detail(request, report, form, str(debt), status=400)
    try:
        services.open_dispute(request.access, report, debt, request=request,
                              **form.cleaned_data)
    except Refused as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
        return _detail(request, report, form, str(debt), status=exc.status)
    messages.success(request, _("Your dispute is filed. The furnisher has been told and "
                                "must answer by the date shown."))
    return redirect("bureau_reports:personal_detail", report.uuid)
