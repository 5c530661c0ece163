import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from unfold.decorators import action as unfold_action

from apps.client_portal.core.admin_base import AuditedAdmin, ResourceAdmin, TabularInline

from . import pdf_batch, services
from .forms import ImportForm
from .importer import import_documents
from .models import (
    FinancialDocument,
    FinancialDocumentLine,
    ImportBatch,
    Payment,
    PaymentAllocation,
    PdfBatch,
    Tariff,
)
from .resources import InvoiceResource, PaymentResource, TariffResource


class LineInline(TabularInline):
    model = FinancialDocumentLine
    extra = 0
    fields = ["position", "description", "quantity", "unit", "unit_price", "vat_rate", "net",
              "vat", "total"]
    readonly_fields = ["net", "vat", "total"]

    def has_change_permission(self, request, obj=None):
        return (obj is None or not obj.is_published) and super().has_change_permission(
            request, obj)

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(FinancialDocument)
class FinancialDocumentAdmin(ResourceAdmin):
    resource = InvoiceResource
    # Staff see drafts too, and fill the lines; publish and cancel come from the resource.
    autocomplete_fields = ["organization", "related"]
    inlines = [LineInline]
    fieldsets = [
        (None, {"fields": ["organization", "kind", "number", "related", "issue_date",
                           "due_date", "currency", "notes"]}),
        (_("Amounts"), {"fields": ["net", "vat", "total", "paid", "outstanding", "status"]}),
        (_("Publication"), {"fields": ["published_at", "published_by", "pdf",
                                       "pdf_download", "first_downloaded_at",
                                       "import_batch"]}),
    ]
    readonly_fields = ["paid", "outstanding", "status", "published_at", "published_by", "pdf",
                       "first_downloaded_at", "import_batch"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        doc = form.instance
        if not doc.is_published and doc.lines.exists():
            doc.recalculate()
            doc.save(update_fields=["net", "vat", "total", "outstanding"])

    # PDFs in background jobs (billing/pdf_batch.py); each start opens the batch's page.
    actions_list = ["render_missing_pdfs"]

    def has_render_pdfs_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_pdfbatch")

    def has_publish_pdfs_permission(self, request, obj=None):
        return (request.user.has_perm("billing.add_pdfbatch")
                and request.user.has_perm("billing.change_financialdocument"))

    def _started(self, request, batch):
        if not batch.total:
            self.message_user(request, _("Nothing to render: every document chosen has its "
                                         "PDF already."), messages.INFO)
            return None
        self.message_user(request, _("PDF batch started: %(n)d documents.") % {
            "n": batch.total}, messages.SUCCESS)
        return redirect(reverse("admin:billing_pdfbatch_change", args=[batch.pk]))

    @admin.action(description=_("Render PDFs of the selected"), permissions=["render_pdfs"])
    def render_selected_pdfs(self, request, queryset):
        docs = queryset.published().filter(pdf__isnull=True).order_by(
            "organization_id", "issue_date", "pk")
        return self._started(request, pdf_batch.start(docs, by=request.user))

    @admin.action(description=_("Publish the selected drafts and render their PDFs"),
                  permissions=["publish_pdfs"])
    def publish_selected_drafts(self, request, queryset):
        docs = queryset.filter(status=FinancialDocument.Status.DRAFT).order_by(
            "organization_id", "issue_date", "pk")
        return self._started(request, pdf_batch.start(docs, by=request.user, publish=True))

    @unfold_action(description=_("Render all missing PDFs"), url_path="render-missing-pdfs",
                   permissions=["render_pdfs"], icon="picture_as_pdf")
    def render_missing_pdfs(self, request):
        """A confirmation (GET), then the batch of every published document without a PDF."""
        missing = pdf_batch.missing_pdfs()
        if request.method == "POST":
            response = self._started(request, pdf_batch.start(missing, by=request.user))
            return response or redirect(reverse("admin:billing_financialdocument_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Render all missing PDFs"), "count": missing.count(),
                   "queue": pdf_batch.queue_name(),
                   "cancel_url": reverse("admin:billing_financialdocument_changelist")}
        return TemplateResponse(request, "admin/billing/pdfbatch/confirm.html", context)


FinancialDocumentAdmin.actions = [*FinancialDocumentAdmin.actions, "render_selected_pdfs",
                                  "publish_selected_drafts"]


class AllocationInline(TabularInline):
    model = PaymentAllocation
    extra = 0
    fields = ["document", "amount", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ResourceAdmin):
    resource = PaymentResource
    inlines = [AllocationInline]
    actions = ["allocate"]
    readonly_fields = ["allocated", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Money received is a fact: correct it by a new record, not by editing.
            fields += ["organization", "date", "amount", "currency", "method", "reference"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        payment = services.record_payment(
            organization=obj.organization, amount=obj.amount, currency=obj.currency,
            method=obj.method, reference=obj.reference, paid_at=obj.date, by=request.user,
            note=obj.note,
        )
        obj.pk, obj.uuid, obj.allocated = payment.pk, payment.uuid, payment.allocated
        obj._state.adding = False

    @admin.action(description=_("Allocate to open documents, oldest due first"))
    def allocate(self, request, queryset):
        count = 0
        for payment in queryset:
            count += len(services.allocate_payment(payment=payment, by=request.user))
        self.message_user(request, _("%(n)d allocations made.") % {"n": count},
                          messages.SUCCESS)


@admin.register(Tariff)
class TariffAdmin(ResourceAdmin):
    resource = TariffResource
    # Staff also see the tariffs hidden from clients.
    list_display = ["name", "unit", "price", "currency", "valid_from", "valid_to", "is_active"]
    list_filter = ["currency", "is_active"]


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedAdmin):
    list_display = ["created_at", "file_name", "status", "rows", "created", "skipped",
                    "created_by"]
    list_filter = ["status"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = ["file_name", "sha256", "status", "rows", "created", "skipped", "report",
                       "publish", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="billing_importbatch_import"),
        ] + super().get_urls()

    def import_view(self, request):
        if not request.user.has_perm("billing.add_financialdocument"):
            messages.error(request, _("You may not import documents."))
            return redirect("admin:index")
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]  # the form checked its type and size
            result = import_documents(upload, upload.name, by=request.user,
                                      publish=form.cleaned_data["publish"])
            if result.ok:
                if result.already_imported:
                    messages.info(request, _("This file was imported before; nothing "
                                             "was created."))
                else:
                    messages.success(request, _(
                        "%(created)d documents created, %(skipped)d already present.")
                        % {"created": result.created, "skipped": result.skipped})
                return redirect(reverse("admin:billing_importbatch_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "result": result,
                   "title": _("Import documents"), "opts": self.model._meta}
        return TemplateResponse(request, "billing/admin_import.html", context)


def progress_bar(batch: PdfBatch):
    """The batch's ``<progress>`` element with its figures, as the list and the page show it."""
    return format_html(
        '<progress value="{}" max="{}" data-testid="pdf-batch-progress">{} %</progress> '
        '<span>{} / {} ({} %)</span>',
        batch.processed, max(batch.total, 1), batch.percent, batch.processed, batch.total,
        batch.percent)


@admin.register(PdfBatch)
class PdfBatchAdmin(AuditedAdmin):
    """PDF batches: how far each is, its failures; a running one can be cancelled.

    Batches are started from the documents' list (or ``manage.py render_pdfs``);
    the record changes only through its jobs and Cancel, so the change page is a
    progress page that reloads itself while the batch runs.
    """

    list_display = ["__str__", "kind", "status", "progress", "failed", "created_by",
                    "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    REFRESH_SECONDS = 2

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return progress_bar(obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/cancel/", self.admin_site.admin_view(self.cancel_view),
                 name="billing_pdfbatch_cancel"),
        ] + super().get_urls()

    def _batch(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._batch(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        now = timezone.now()
        rate = obj.rate(now)
        left = obj.seconds_left(now)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": str(obj), "batch": obj, "progress": progress_bar(obj),
            "rate": rate, "seconds_left": round(left) if left is not None else None,
            "finishes_at": now + dt.timedelta(seconds=left) if left is not None else None,
            "elapsed": round(obj.elapsed(now) or 0),
            "refresh": self.REFRESH_SECONDS if obj.is_active else None,
            "can_cancel": obj.is_active and self.has_change_permission(request, obj),
            "changelist_url": reverse("admin:billing_pdfbatch_changelist"),
        }
        return TemplateResponse(request, "admin/billing/pdfbatch/progress.html", context)

    def cancel_view(self, request, object_id):
        return require_POST(self._cancel)(request, object_id)

    def _cancel(self, request, object_id):
        obj = self._batch(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if pdf_batch.cancel(obj, by=request.user):
            self.message_user(request, _("The batch was cancelled: no further document "
                                         "will be rendered."), messages.SUCCESS)
        else:
            self.message_user(request, _("The batch had finished already."), messages.INFO)
        return redirect(reverse("admin:billing_pdfbatch_change", args=[obj.pk]))


from .online_admin import PaymentIntentAdmin  # noqa: E402,F401  (registers it)
