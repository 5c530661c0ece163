"""Every published demo document has its PDF, rendered in bulk after the seed."""

import pytest

from apps.client_portal.billing import demo as billing_demo
from apps.client_portal.billing.models import FinancialDocument

pytestmark = pytest.mark.django_db


def missing():
    return FinancialDocument.objects.published().filter(pdf__isnull=True)


def test_the_bulk_job_gives_every_published_document_its_pdf(demo):
    before = missing().count()
    assert before > 0  # the small test data set leaves them to the job
    drafts_before = FinancialDocument.objects.filter(status="draft", pdf__isnull=False).count()
    assert billing_demo.attach_missing_pdfs(limit=3) == 3
    assert missing().count() == before - 3
    assert billing_demo.attach_missing_pdfs() == before - 3
    assert not missing().exists()
    assert billing_demo.attach_missing_pdfs() == 0  # a second run finds nothing to do
    # Drafts stay without a PDF: the client never sees them.
    assert FinancialDocument.objects.filter(status="draft", pdf__isnull=False).count() == (
        drafts_before)
    doc = FinancialDocument.objects.published().order_by("pk").first()
    with doc.pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert doc.pdf.organization_id == doc.organization_id
