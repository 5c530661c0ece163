from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    """Signature requests, drawn and certificate signatures, sealed PAdES PDFs, evidence
    and verification."""

    name = "apps.client_portal.documents.signing"
    label = "signing"
    verbose_name = _("Signatures")
