from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import (
    Column,
    Layout,
    Link,
    Resource,
    Section,
    computed,
    registry,
)

from .models import StoredFile
from .services import record_download


def _download_url(obj, access):
    return reverse("portal:download", args=[DocumentResource.slug, obj.uuid, "file"])


@registry.register
class DocumentResource(Resource):
    model = StoredFile
    slug = "documents"
    label = _("Documents")
    icon = "file"
    menu_order = 200
    list_columns = ["display_title", "kind", "created_at", Column("size", sortable=True),
                    "first_downloaded_at", Column("signature_state", sortable=False)]
    # The signature state comes from documents.signing's requests: two queries a page.
    list_prefetch_related = ["signing_requests", "signature_requests"]
    filters = ["kind", "created_at", "first_downloaded_at"]
    search_fields = ["title", "original_name"]
    ordering = ["-created_at", "-id"]
    # What a person reads: the file's download name, what kind of file it is and its
    # size in their formats. The content type, the exact size in bytes and the
    # checksum are for programs: the API gives them (stored values win there).
    detail_fields = ["display_title", "kind", "original_name", "content_type", "size",
                     "created_at", "first_downloaded_at"]
    layout = Layout(sections=[Section(None, detail_fields)],
                    links=[Link("file", _("Download"), _download_url)])
    api_fields = ["display_title", "kind", "original_name", "content_type", "size", "sha256",
                  "created_at", "first_downloaded_at"]
    files = ["file"]

    # A title the system gave ("Invoice NW-2026-0124") in the reader's language.
    @computed(_("Title"), needs=["title", "title_message", "title_params", "original_name"])
    def display_title(obj):
        return obj.display_title

    @computed(_("File type"), needs=["content_type"])
    def content_type(obj):
        return obj.file_type

    @computed(_("Size"), needs=["size"])
    def size(obj):
        return filesizeformat(obj.size)

    @computed(_("Signature"), needs=["id"])
    def signature_state(obj):
        """The state of the newest signature request on this document ("Awaiting
        signatures", "Signed"), or "Signed" on a signed PDF; empty where none."""
        if any(True for _req in obj.signature_requests.all()):
            return _("Signed")
        requests = sorted(obj.signing_requests.all(), key=lambda req: req.created_at)
        return requests[-1].get_status_display() if requests else ""

    @classmethod
    def on_download(cls, obj, field, access):
        record_download(obj, access)
