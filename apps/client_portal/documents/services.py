"""Writing to the document store, and recording downloads."""

import hashlib
import mimetypes

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.client_portal.core import audit
from apps.client_portal.core.files import safe_filename

from .models import DocumentDownload, StoredFile

CHUNK = 1024 * 1024


def store_bytes(*, organization, data: bytes, name: str, kind=StoredFile.Kind.OTHER,
                title: str = "", title_message: str = "", title_params: dict | None = None,
                content_type: str = "", by=None) -> StoredFile:
    """Keep ``data`` as a new document of ``organization``; its SHA-256 is computed here.

    A title the system gives is ``title_message`` with ``title_params`` (core/messages.py),
    shown in the reader's language; ``title`` is a title a person typed.
    """
    name = safe_filename(name)
    stored = StoredFile(
        organization=organization, kind=kind,
        title="" if title_message else (title or name)[:200],
        title_message=title_message, title_params=title_params or {},
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
        original_name=name, created_by=by,
    )
    stored.file.save(name, ContentFile(data), save=False)
    stored.save()
    return stored


def store_upload(*, organization, upload, kind=StoredFile.Kind.UPLOAD, title: str = "",
                 by=None) -> StoredFile:
    """Keep an uploaded file (already checked by ``core.files.validate_upload``)."""
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks(CHUNK) if hasattr(upload, "chunks") else iter(
        lambda: upload.read(CHUNK), b""
    ):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    name = safe_filename(upload.name)
    stored = StoredFile(
        organization=organization, kind=kind, title=(title or name)[:200],
        sha256=digest.hexdigest(), size=size,
        content_type=getattr(upload, "content_type", "") or mimetypes.guess_type(name)[0]
        or "application/octet-stream",
        original_name=name, created_by=by,
    )
    stored.file.save(name, upload, save=False)
    stored.save()
    audit.record("documents.upload", obj=stored,
                 changes={"sha256": stored.sha256, "size": size}, organization=organization)
    return stored


def verify(stored: StoredFile) -> bool:
    """Whether the bytes in storage still have the recorded SHA-256."""
    digest = hashlib.sha256()
    with stored.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == stored.sha256


def record_download(stored: StoredFile, access) -> DocumentDownload:
    """Note who took ``stored``; a client's first download is kept on the record."""
    download = DocumentDownload.objects.create(
        document=stored, user=access.user if access is not None else None,
        via=getattr(access, "via", "") or "",
    )
    if access is not None and not access.is_provider and stored.first_downloaded_at is None:
        with transaction.atomic():
            StoredFile.objects.filter(pk=stored.pk, first_downloaded_at__isnull=True).update(
                first_downloaded_at=download.at or timezone.now()
            )
        stored.refresh_from_db(fields=["first_downloaded_at"])
    return download
