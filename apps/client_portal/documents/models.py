"""The document store: every file the portal keeps, with its checksum and downloads."""

import os
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.files import safe_filename
from apps.client_portal.core.models import TenantModel
from apps.client_portal.core.tenancy import ScopedQuerySet, Tenancy


def private_storage():
    """The default storage: local disk under MEDIA_ROOT, or S3 when configured.

    Neither is ever served from a public URL (MEDIA_URL is None, S3 objects are
    private); downloads go through the checked views.
    """
    return storages["default"]


def stored_file_path(instance, filename):
    """``<organization uuid>/<random>/<name>``: one folder per client, no guessable paths."""
    owner = instance.organization.uuid if instance.organization_id else "provider"
    return f"{owner}/{uuid.uuid4().hex}/{safe_filename(filename)}"


# Content types as a person names them; any other is just "File".
FILE_TYPES = {
    "application/pdf": _("PDF document"),
    "image/png": _("PNG image"),
    "image/jpeg": _("JPEG image"),
    "text/plain": _("Text file"),
    "text/csv": _("CSV table"),
    "application/zip": _("ZIP archive"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _(
        "Word document"),
    "application/xml": _("XML file"),
    "text/xml": _("XML file"),
}


class StoredFile(TenantModel):
    """A file kept for an organization: generated (an invoice PDF) or uploaded."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        DEBIT_NOTE = "debit_note", _("Debit note")
        TAX_INVOICE = "tax_invoice", _("Tax invoice")
        STATEMENT = "statement", _("Statement of account")
        CONTRACT = "contract", _("Contract")
        REPORT = "report", _("Report")
        UPLOAD = "upload", _("Upload")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # A title the system gives ("Invoice NW-2026-0124") is a message id and its
    # parameters (core/messages.py), written in the reader's language when read;
    # ``title`` holds a title a person typed.
    title_message = models.CharField(_("title message id"), max_length=100, blank=True)
    title_params = models.JSONField(_("title parameters"), default=dict, blank=True)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=stored_file_path, max_length=300
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    first_downloaded_at = models.DateTimeField(_("first downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="storedfile_org"),
        ]

    def __str__(self):
        return self.display_title

    @property
    def file_type(self) -> str:
        """What kind of file it is, as a person says it ("PDF document"), in the active
        language; the content type itself is for programs (the API)."""
        label = FILE_TYPES.get((self.content_type or "").split(";")[0].strip().lower())
        return str(label) if label else str(_("File"))

    @property
    def display_title(self) -> str:
        """The title in the active language."""
        from apps.client_portal.core import messages

        if self.title_message:
            return messages.render_title(self.title_message, self.title_params) or self.title
        return self.title or self.original_name

    def get_absolute_url(self):
        return reverse("portal:detail", args=["documents", self.uuid])

    # A StoredFile stands in for its FieldFile where a model points at it
    # (FinancialDocument.pdf): core.files.open_download needs only these two.
    @property
    def name(self) -> str:
        return self.original_name or os.path.basename(self.file.name)

    def open(self, mode="rb"):
        return self.file.open(mode)


class DocumentDownload(models.Model):
    """Who downloaded which document, when, and through which door."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(
        StoredFile, on_delete=models.CASCADE, related_name="downloads",
        verbose_name=_("document"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("user"),
    )
    via = models.CharField(_("via"), max_length=16, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="document__organization")

    class Meta:
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.document} · {self.user or self.via}"
