from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.admin_base import ResourceAdmin, TabularInline

from .models import DocumentDownload, StoredFile
from .resources import DocumentResource


class DownloadInline(TabularInline):
    model = DocumentDownload
    extra = 0
    fields = ["at", "user", "via"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StoredFile)
class StoredFileAdmin(ResourceAdmin):
    resource = DocumentResource
    # Files have no public URL: the file is shown as its name, size and a link to the
    # back office's download view (ResourceAdmin.download_view: permission checked,
    # audited, recorded among the downloads below).
    fields = ["title", "kind", "organization", "file_download", "original_name",
              "content_type", "size", "sha256", "stored_as", "created_by", "created_at",
              "first_downloaded_at"]
    readonly_fields = ["stored_as", "sha256", "size", "created_by", "created_at",
                       "first_downloaded_at"]
    inlines = [DownloadInline]

    @admin.display(description=_("stored as"))
    def stored_as(self, obj):
        return obj.file.name if obj is not None and obj.file else "-"

    def has_add_permission(self, request):
        # Files arrive through services.store_bytes / store_upload, which checksum them.
        return False

    def has_change_permission(self, request, obj=None):
        # A kept file is evidence: replace it by a new one, never edit it in place.
        return False if obj is not None else super().has_change_permission(request, obj)
