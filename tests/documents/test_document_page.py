"""A document's page reads as a person reads it: its download name, what kind of file
it is and its size in their formats, the download at the top; the checksum, the content
type and the size in bytes stay in the API, for programs."""

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from apps.client_portal.documents.models import StoredFile

pytestmark = pytest.mark.django_db


def _document(demo):
    return StoredFile.objects.filter(organization=demo.organizations["northwind"],
                                     content_type="application/pdf").first()


def test_the_page_shows_name_kind_and_a_readable_size(demo, login):
    doc = _document(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/p/documents/{doc.uuid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        size = filesizeformat(doc.size)
    assert doc.size > 1024 and size.endswith("KB") and size in page
    assert "PDF document" in page and doc.original_name in page
    for internal in (doc.sha256, "application/pdf", "bytes", str(doc.size), doc.file.name,
                     doc.file.name.rsplit("/", 1)[0]):
        assert internal not in page
    # The download sits at the top, through the checked door, and only there.
    assert f'href="/p/documents/{doc.uuid}/files/file/" data-testid="file-link"' in page
    assert page.count(f"/p/documents/{doc.uuid}/files/file/") == 1


def test_the_size_takes_the_readers_formats(demo, login):
    doc = _document(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/p/documents/{doc.uuid}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    with translation.override("ru"):
        size = filesizeformat(doc.size)
    assert "," in size and size in page


def test_the_api_keeps_what_programs_read(demo, login):
    doc = _document(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    data = client.get(f"/api/v1/documents/{doc.uuid}/").json()
    assert data["sha256"] == doc.sha256 and data["content_type"] == "application/pdf"
    assert data["size"] == doc.size and data["original_name"] == doc.original_name


def test_unknown_content_types_are_just_files():
    assert StoredFile(content_type="application/pdf").file_type == "PDF document"
    assert StoredFile(content_type="image/png").file_type == "PNG image"
    assert StoredFile(content_type="application/x-unheard-of").file_type == "File"
    assert StoredFile(content_type="").file_type == "File"
