"""Checked downloads and uploads.

Files are never served from a public URL: a download goes through
``core.operations.download``, behind the resource predicate, and is recorded in
the audit log. Uploads are checked by their bytes (not their claimed type), size and name.
"""

import os
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Leading bytes of the file types clients may upload.
SIGNATURES = {
    "application/pdf": [b"%PDF-"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "application/zip": [b"PK\x03\x04"],  # also docx/xlsx/odt
    "text/csv": [],  # text: checked by decoding instead
}
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/zip",
    ".xlsx": "application/zip",
    ".odt": "application/zip",
    ".csv": "text/csv",
    ".txt": "text/csv",
}
SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str) -> str:
    base = os.path.basename(name or "").strip().replace("\x00", "")
    base = SAFE_NAME.sub("_", base)[:120].lstrip(".")
    return base or "file"


def validate_upload(upload, allowed=(".pdf", ".png", ".jpg", ".jpeg")):
    """Raise ValidationError unless ``upload`` is what its name says and small enough."""
    name = safe_filename(upload.name)
    ext = os.path.splitext(name)[1].lower()
    if ext not in allowed or ext not in EXTENSIONS:
        raise ValidationError(
            _("Files of type %(ext)s are not accepted. Accepted: %(allowed)s."),
            code="file_type", params={"ext": ext or "?", "allowed": ", ".join(allowed)},
        )
    if upload.size > settings.FILE_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(max)s MB."), code="file_size",
            params={"max": settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)},
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = EXTENSIONS[ext]
    if kind == "text/csv":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(head) < 2048:
                raise ValidationError(
                    _("The file is not UTF-8 text."), code="file_content"
                ) from exc
    elif not any(head.startswith(sig) for sig in SIGNATURES[kind]):
        raise ValidationError(
            _("The file's content does not match its name (%(ext)s)."),
            code="file_content", params={"ext": ext},
        )
    upload.name = name
    return upload
