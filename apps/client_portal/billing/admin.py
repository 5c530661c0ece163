from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.admin_base import AuditedAdmin, ResourceAdmin, TabularInline

from . import services
from .forms import ImportForm
from .importer import import_documents
from .models import (
    FinancialDocument,
    FinancialDocumentLine,
    ImportBatch,
    Payment,
    PaymentAllocation,
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


from .online_admin import PaymentIntentAdmin  # noqa: E402,F401  (registers it)
