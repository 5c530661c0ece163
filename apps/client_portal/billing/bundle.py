"""Several documents' PDFs in one ZIP, each reached through the resource predicate."""

import io
import zipfile

from django.http import Http404
from django.utils.translation import gettext as _

from apps.client_portal.core import audit
from apps.client_portal.core.files import safe_filename

from .resources import InvoiceResource

MAX_DOCUMENTS = 200


def documents_for_zip(access, lookups):
    """The documents named by ``lookups``; 404 if any one is not the caller's to read."""
    if not access.has_role(InvoiceResource.read_role):
        raise Http404
    lookups = list(dict.fromkeys(str(x).strip() for x in lookups if str(x).strip()))
    if not lookups or len(lookups) > MAX_DOCUMENTS:
        raise Http404(_("Choose between 1 and %(n)d documents.") % {"n": MAX_DOCUMENTS})
    return [InvoiceResource.get_object(access, lookup) for lookup in lookups]


def build_zip(access, documents, request=None) -> bytes:
    buffer = io.BytesIO()
    names = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for doc in documents:
            if doc.pdf_id is None:
                continue
            name = safe_filename(f"{doc.kind}-{doc.number}.pdf")
            while name in names:
                name = f"_{name}"
            names.add(name)
            with doc.pdf.open("rb") as handle:
                archive.writestr(name, handle.read())
            InvoiceResource.on_download(doc, "pdf", access)
    audit.record("invoices.zip", changes={"documents": [d.number for d in documents]},
                 organization=access.organization, request=request)
    return buffer.getvalue()
