"""Signature requests and their evidence, declared once: portal pages, API, back office."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.client_portal.core.display import format_value
from apps.client_portal.core.registry import (
    Action,
    Column,
    Layout,
    Link,
    Related,
    Resource,
    Section,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import PROVIDER, Role
from apps.client_portal.documents.services import record_download

from . import services
from .models import EvidenceEvent, SignatureRequest, Signer


def _sign_url(obj, access):
    if obj.status != SignatureRequest.Status.OPEN or services.turn_of(obj, access) is None:
        return ""
    return reverse("signing:sign", args=[obj.uuid])


def _final_url(obj, access):
    return reverse("portal:download", args=["signatures", obj.uuid, "final"]) if obj.final_id \
        else ""


def _when(row):
    return format_value(row.signed_at) if row.signed_at else ""


def _event_when(row):
    return format_value(row.at)


@registry.register
class SignatureRequestResource(Resource):
    model = SignatureRequest
    slug = "signatures"
    label = _("Signatures")
    icon = "file"
    menu_order = 210
    read_role = Role.VIEWER
    list_columns = [Column("title", link=True), "status", "method", "deadline", "created_at"]
    filters = ["status", "method", "deadline", "created_at"]
    search_fields = ["title"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["title", "status", "method", "awaiting", "deadline", "created_at",
                     "sealed_at", "evidence_chain"]
    api_fields = ["title", "status", "method", "current_step", "deadline", "created_at",
                  "sealed_at", "awaiting", "evidence_chain", "signer_list"]
    layout = Layout(
        header=["status", "awaiting", "deadline"],
        sections=[Section(_("Request"), ["title", "method", "created_at", "sealed_at",
                                         "evidence_chain"])],
        related=[
            Related("signers", _("Signers"), columns=["step", "label", "status", "method",
                                                      "signed_at"],
                    labels={"label": _("Signer")},
                    format={"signed_at": _when, "label": lambda row: row.label,
                            "status": lambda row: row.get_status_display(),
                            "method": lambda row: row.get_method_display()}),
            Related("events", _("Evidence"), columns=["kind", "actor", "at"],
                    format={"at": _event_when, "kind": lambda row: row.get_kind_display()}),
        ],
        links=[
            Link("sign", _("Sign"), _sign_url, role=Role.VIEWER),
            Link("final", _("Download signed PDF"), _final_url, style="secondary"),
        ],
    )
    select_related = ["final", "document", "organization"]
    prefetch_related = ["signers__user", "events"]
    list_select_related = []
    list_prefetch_related = []
    files = ["final"]
    actions = [
        Action("sign_as_provider", _("Sign as the provider"), role=PROVIDER,
               condition=lambda obj, access: services.provider_pending(obj)),
        Action("resend", _("Remind the signers"), role=PROVIDER),
        Action("cancel", _("Cancel the request"), role=PROVIDER,
               confirm=_("Cancel this signature request?"), style="danger"),
    ]

    @computed(_("Awaiting"), needs=["status", "current_step"])
    def awaiting(obj):
        """Whose signature the request waits for now (the Sign button shows whether it
        is the reader's)."""
        if obj.status != SignatureRequest.Status.OPEN:
            return ""
        return ", ".join(row.label for row in obj.signers.all()
                         if row.status == Signer.Status.PENDING)

    @computed(_("Evidence trail"), needs=["id"])
    def evidence_chain(obj):
        check = services.verify_chain(obj)
        if check["intact"]:
            return ngettext("Intact (%(count)s event)", "Intact (%(count)s events)",
                            check["events"]) % {"count": check["events"]}
        return _("Broken at event %(seq)s") % {"seq": check["broken_at"]}

    @computed(_("Signers"), needs=["id"])
    def signer_list(obj):
        return [{"step": row.step, "signer": row.label, "status": row.status,
                 "method": row.method, "signed_at": row.signed_at.isoformat()
                 if row.signed_at else None} for row in obj.signers.all()]

    @classmethod
    def on_download(cls, obj, field, access):
        if obj.final_id:
            record_download(obj.final, access)


@registry.register
class EvidenceEventResource(Resource):
    model = EvidenceEvent
    slug = "signature-evidence"
    label = _("Signature evidence")
    icon = "file"
    menu = False
    read_role = Role.VIEWER
    list_columns = ["kind", "actor", "at"]
    filters = ["kind", "at"]
    search_fields = ["actor"]
    ordering = ["-at", "-id"]
    detail_fields = ["kind", "actor", "at"]
    # No IP address nor browser here: every viewer of the organization reads this; the
    # staff see them in the back office, and the evidence page of the signed PDF.
    api_fields = ["kind", "actor", "at", "seq", "prev_hash", "hash"]
    select_related = ["request"]


__all__ = ["EvidenceEventResource", "SignatureRequestResource", "Signer"]
