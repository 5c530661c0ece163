"""Portal pages of the bureau beyond the generated ones: importing and adding debts."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.client_portal.core.errors import Refused
from apps.client_portal.portal.access import member_required
from apps.client_portal.portal.views import refused_page

from . import importer, services
from .forms import DebtForm, ImportForm
from .models import DebtImport
from .resources import DebtImportResource, DebtResource

TITLES = {"csv": _("Debt import by CSV"), "metro2": _("Debt import by Metro 2")}


def _apply_refusal(form, refusal: Refused):
    for name, messages in refusal.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not refusal.fields:
        form.add_error(None, str(refusal))


@require_http_methods(["GET", "POST"])
@member_required
def import_upload(request, fmt):
    if fmt not in TITLES:
        raise Http404
    if not DebtResource.applies_to(request.access):
        raise Http404
    if not request.access.has_role(services.IMPORT_ROLE):
        return refused_page(request, Refused(code="forbidden"))
    form = ImportForm(request.POST or None, request.FILES or None)
    if fmt == "csv":
        form.fields.pop("currency")
    if request.method == "POST" and form.is_valid():
        try:
            imp = services.start_import(
                access=request.access, upload=form.cleaned_data["file"], fmt=fmt,
                currency=form.cleaned_data.get("currency", "MDL"), request=request)
        except Refused as refusal:
            _apply_refusal(form, refusal)
        else:
            return redirect("bureau:import-progress", lookup=imp.uuid)
    return render(request, "bureau/import_upload.html", {
        "form": form, "title": str(TITLES[fmt]), "fmt": fmt,
        "columns": importer.CSV_COLUMNS, "required": importer.REQUIRED_COLUMNS,
        "limit_mb": services.MAX_IMPORT_BYTES // (1024 * 1024),
    }, status=400 if request.method == "POST" else 200)


def _import_or_404(request, lookup):
    try:
        return DebtImportResource.get_object(request.access, lookup)
    except Refused:
        raise Http404 from None


@require_http_methods(["GET"])
@member_required
def import_progress(request, lookup):
    imp = _import_or_404(request, lookup)
    context = {"imp": imp, "progress": services.progress(imp),
               "errors": [importer.error_for_page(e) for e in imp.error_report],
               "can_cancel": imp.active and request.access.has_role(services.IMPORT_ROLE)}
    template = ("bureau/_import_progress.html" if request.headers.get("HX-Request")
                else "bureau/import_progress.html")
    return render(request, template, context)


@require_POST
@member_required
def import_cancel(request, lookup):
    imp = _import_or_404(request, lookup)
    try:
        services.cancel_import(access=request.access, imp=imp, request=request)
    except Refused as refusal:
        return refused_page(request, refusal)
    return redirect("bureau:import-progress", lookup=imp.uuid)


@require_http_methods(["GET", "POST"])
@member_required
def add_debt(request):
    if not DebtResource.applies_to(request.access):
        raise Http404
    if not request.access.has_role(services.IMPORT_ROLE):
        return refused_page(request, Refused(code="forbidden"))
    form = DebtForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        imp = services.add_debt(access=request.access, data=form.as_record(), request=request)
        if imp.status == DebtImport.Status.DONE:
            debt = DebtResource.get_queryset(request.access).filter(
                account_number=form.cleaned_data["account_number"].strip()).first()
            return redirect(reverse("portal:detail", args=[DebtResource.slug, debt.uuid])
                            if debt else reverse("portal:list", args=[DebtResource.slug]))
        for err in imp.error_report:
            form.add_error(err["field"] if err["field"] in form.fields else None,
                           importer.error_text(err))
    return render(request, "bureau/add_debt.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
