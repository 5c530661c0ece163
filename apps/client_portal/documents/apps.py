from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The document store: files with checksums, PDF rendering, download tracking."""

    name = "apps.client_portal.documents"
    label = "documents"
    verbose_name = _("Documents")
