"""PDF downloads and the ZIP of several: through the resource predicate, recorded,
with the client's first download shown; another organization's uuid answers 404."""

import io
import json
import zipfile

import pytest

from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.models import DocumentDownload

from .helpers import draft, member, organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mine, theirs = organization("Mine SRL"), organization("Theirs SRL")
    me, stranger = member(mine, Role.VIEWER), member(theirs)
    docs = [services.publish_document(draft(mine, number=f"MINE-{i}"), notify_members=False)
            for i in range(2)]
    foreign = services.publish_document(draft(theirs, number="THEIRS-1"), notify_members=False)
    return mine, theirs, me, stranger, docs, foreign


def test_a_download_is_recorded_and_the_first_one_kept(world, login):
    mine, _theirs, me, _stranger, docs, _foreign = world
    client = login(me, mine)
    response = client.get(f"/p/invoices/{docs[0].uuid}/files/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    doc = FinancialDocument.objects.get(pk=docs[0].pk)
    first = doc.first_downloaded_at
    assert first is not None and doc.pdf.first_downloaded_at is not None
    assert DocumentDownload.objects.filter(document=doc.pdf, user=me).count() == 1
    client.get(f"/p/invoices/{docs[0].uuid}/files/pdf/")
    doc.refresh_from_db()
    assert doc.first_downloaded_at == first
    assert DocumentDownload.objects.filter(document=doc.pdf).count() == 2
    listing = client.get("/p/invoices/").content.decode()
    assert "First downloaded" in listing


def test_zip_of_several_documents(world, login):
    mine, _theirs, me, _stranger, docs, _foreign = world
    client = login(me, mine)
    response = client.post("/billing/invoices/zip/",
                           {"documents": [str(d.uuid) for d in docs]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["invoice-MINE-0.pdf", "invoice-MINE-1.pdf"]
    assert all(archive.read(n).startswith(b"%PDF-") for n in archive.namelist())
    assert all(FinancialDocument.objects.get(pk=d.pk).first_downloaded_at for d in docs)
    assert AuditEvent.objects.filter(action="invoices.zip").exists()


def test_zip_with_one_foreign_document_is_404_and_gives_nothing(world, login):
    mine, _theirs, me, _stranger, docs, foreign = world
    client = login(me, mine)
    response = client.post("/billing/invoices/zip/",
                           {"documents": [str(docs[0].uuid), str(foreign.uuid)]})
    assert response.status_code == 404
    assert b"THEIRS" not in response.content and b"%PDF" not in response.content
    assert not DocumentDownload.objects.exists()
    assert FinancialDocument.objects.get(pk=docs[0].pk).first_downloaded_at is None


def test_zip_of_drafts_or_nothing_is_404(world, login):
    mine, _theirs, me, _stranger, _docs, _foreign = world
    hidden = draft(mine, number="MINE-DRAFT")
    client = login(me, mine)
    assert client.post("/billing/invoices/zip/", {"documents": [str(hidden.uuid)]}
                       ).status_code == 404
    assert client.post("/billing/invoices/zip/", {}).status_code == 404
    assert client.get("/billing/invoices/zip/").status_code == 405


def test_zip_through_the_api(world, client):
    from apps.client_portal.api.models import ApiKey

    mine, _theirs, me, _stranger, docs, foreign = world
    key = ApiKey(name="k", organization=mine, role=Role.VIEWER, created_by=me)
    raw = key.generate()
    key.save()
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    body = json.dumps({"documents": [str(d.uuid) for d in docs]})
    response = client.post("/api/v1/billing/zip/", body, content_type="application/json",
                           **auth)
    assert response.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 2
    body = json.dumps({"documents": [str(foreign.uuid)]})
    response = client.post("/api/v1/billing/zip/", body, content_type="application/json",
                           **auth)
    assert response.status_code == 404 and "error" in response.json()
    # An API key's download is recorded, and counts as the client's.
    assert DocumentDownload.objects.filter(via="api_key").count() == 2


def test_print_preview_is_the_invoice_in_html(world, login):
    mine, _theirs, me, _stranger, docs, foreign = world
    client = login(me, mine)
    response = client.get(f"/billing/invoices/{docs[0].uuid}/preview/")
    body = response.content.decode()
    assert response.status_code == 200 and "MINE-0" in body and "billing/invoice.css" in body
    assert client.get(f"/billing/invoices/{foreign.uuid}/preview/").status_code == 404
