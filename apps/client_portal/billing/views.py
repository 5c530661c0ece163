"""Portal pages of billing beyond the generated ones: statement, print preview, ZIP."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.client_portal.core import audit
from apps.client_portal.portal.access import member_required

from . import services
from .bundle import build_zip, documents_for_zip
from .forms import StatementForm
from .resources import InvoiceResource


def _statement_form(request):
    form = StatementForm(request.GET or None, initial=StatementForm.default_period())
    if not request.GET:
        form = StatementForm(StatementForm.default_period())
    return form


def _require_reader(request):
    if not request.access.has_role(InvoiceResource.read_role):
        raise Http404


def _statement_page(request, form, currencies=None):
    """The statement page; a period that cannot be shown answers 400 with the reasons."""
    return render(request, "billing/statement.html", {
        "form": form, "currencies": currencies,
        "query": request.GET.urlencode() if request.GET else
        "start={start}&end={end}".format(**StatementForm.default_period()),
    }, status=200 if form.is_valid() else 400)


@require_GET
@member_required
def statement(request):
    _require_reader(request)
    form = _statement_form(request)
    currencies = None
    if form.is_valid():
        currencies = services.statement(request.access.organization,
                                        form.cleaned_data["start"], form.cleaned_data["end"])
    return _statement_page(request, form, currencies)


@require_GET
@member_required
def statement_pdf(request):
    _require_reader(request)
    form = _statement_form(request)
    if not form.is_valid():
        return _statement_page(request, form)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    organization = request.access.organization
    pdf = services.statement_pdf(organization, start, end)
    audit.record("billing.statement", changes={"start": str(start), "end": str(end)},
                 organization=organization, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{start:%Y%m%d}-{end:%Y%m%d}.pdf"')
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required
def preview(request, lookup):
    """The document in HTML, laid out as its PDF (the same template)."""
    doc = InvoiceResource.get_object(request.access, lookup)
    context = services.document_context(doc, preview=True)
    context["back_url"] = doc.get_absolute_url()
    if doc.pdf_id:
        context["download_url"] = reverse("portal:download",
                                          args=[InvoiceResource.slug, doc.uuid, "pdf"])
    html = render_to_string(services.INVOICE_TEMPLATE, context, request=request)
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@member_required
def download_zip(request):
    documents = documents_for_zip(request.access, request.POST.getlist("documents"))
    data = build_zip(request.access, documents, request=request)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="documents-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
