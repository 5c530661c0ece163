from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import Column, Resource, computed, registry

from .models import StoredFile
from .services import record_download


@registry.register
class DocumentResource(Resource):
    model = StoredFile
    slug = "documents"
    label = _("Documents")
    icon = "file"
    menu_order = 200
    list_columns = ["display_title", "kind", "created_at", Column("size", sortable=True),
                    "first_downloaded_at"]
    filters = ["kind", "created_at", "first_downloaded_at"]
    search_fields = ["title", "original_name"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["display_title", "kind", "original_name", "content_type", "size", "sha256",
                     "created_at", "first_downloaded_at"]
    files = ["file"]

    # A title the system gave ("Invoice NW-2026-0124") in the reader's language.
    @computed(_("Title"), needs=["title", "title_message", "title_params", "original_name"])
    def display_title(obj):
        return obj.display_title

    @classmethod
    def on_download(cls, obj, field, access):
        record_download(obj, access)
