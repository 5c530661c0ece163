"""How the audit log describes the actions this module records (core/auditview.py)."""

from django.utils.translation import gettext_lazy as _

DESCRIPTIONS: dict = {
    "signatures.create": _("Signatures requested"),
    "signatures.sign": _("Document signed"),
    "signatures.decline": _("Signature declined"),
    "signatures.cancel": _("Signature request cancelled"),
    "signatures.sign_as_provider": _("Signed as the provider"),
    "signatures.provider_pending": _("Provider's signature pending (timestamp server down)"),
    "signatures.resend": _("Signers reminded"),
    "signatures.remind": _("Signature reminder sent"),
    "signatures.expire": _("Signature request expired"),
    "signatures.export": _("Signature requests exported"),
    "signature-evidence.export": _("Signature evidence exported"),
}
