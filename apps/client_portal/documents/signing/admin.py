"""Back office: signature requests with their signers and evidence; consent texts.

Resend and Cancel come from the resource's actions (fired through the operations
layer, audited). Requests are made by the modules that own the records
(``services.request_signatures``), so the back office does not add them by hand.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.client_portal.core.admin_base import AuditedAdmin, ResourceAdmin, TabularInline

from . import services
from .models import ConsentText, EvidenceEvent, SignatureRequest, Signer
from .resources import EvidenceEventResource, SignatureRequestResource


class _ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignerInline(_ReadOnlyInline):
    model = Signer
    fields = ["step", "kind", "role", "user", "status", "signer_name", "method", "signed_at",
              "signer_timezone", "ip", "user_agent", "consent_sha256", "certificate"]
    readonly_fields = fields

    @admin.display(description=_("Certificate"))
    def certificate(self, obj):
        """The signer's own certificate; a drawn or typed signature is sealed with the
        provider's, so it is named as such."""
        if not obj.certificate_subject:
            return "-"
        if obj.method in (Signer.Method.CERTIFICATE, Signer.Method.UPLOAD):
            return _("Signer's own: %(subject)s") % {"subject": obj.certificate_subject}
        return _("Sealed with the provider's certificate: %(subject)s") % {
            "subject": obj.certificate_subject}


class EvidenceInline(_ReadOnlyInline):
    model = EvidenceEvent
    fields = ["seq", "kind", "actor", "at", "ip", "user_agent", "data", "hash"]
    readonly_fields = fields


@admin.register(SignatureRequest)
class SignatureRequestAdmin(ResourceAdmin):
    resource = SignatureRequestResource
    inlines = [SignerInline, EvidenceInline]
    readonly_fields = ["document", "working", "final", "status", "current_step", "chain",
                       "reference", "created_by", "sealed_at", "method", "consent"]
    fields = ["organization", "title", "source", "document", "method", "status", "current_step",
              "deadline", "remind_every_days", "last_reminded_at", "consent", "final",
              "reference", "created_by", "sealed_at", "chain"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Evidence chain"))
    def chain(self, obj):
        check = services.verify_chain(obj)
        if check["intact"]:
            return ngettext("Intact (%(count)s event)", "Intact (%(count)s events)",
                            check["events"]) % {"count": check["events"]}
        return _("Broken at event %(seq)s") % {"seq": check["broken_at"]}


@admin.register(EvidenceEvent)
class EvidenceEventAdmin(ResourceAdmin):
    resource = EvidenceEventResource

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentText)
class ConsentTextAdmin(AuditedAdmin):
    list_display = ["key", "version", "language", "created_at"]
    readonly_fields = ["sha256", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A text once saved is evidence: a change is a new version.
        return [*self.readonly_fields, "key", "version", "language", "text"] if obj else \
            self.readonly_fields
