"""The document store: checksums, private paths per organization, checked downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.client_portal.core.models import AuditEvent, Membership, Organization
from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.models import DocumentDownload, StoredFile
from apps.client_portal.documents.services import record_download, store_bytes, store_upload, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(django_user_model):
    a = Organization.objects.create(name="Store A SRL", client_code="SA")
    b = Organization.objects.create(name="Store B SRL", client_code="SB")
    people = {}
    for key, org in (("a", a), ("b", b)):
        user = django_user_model.objects.create_user(username=key, email=f"{key}@example.com",
                                                     password="x-Pass-2026-x")
        Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
        people[key] = user
    return a, b, people


def test_store_bytes_keeps_checksum_size_and_a_private_path(orgs, settings):
    a, _b, _people = orgs
    data = b"%PDF-1.7 contract body"
    stored = store_bytes(organization=a, data=data, name="../../etc/contract.pdf",
                         kind=StoredFile.Kind.CONTRACT, title="Contract 2026")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.content_type == "application/pdf"
    assert stored.file.name.startswith(f"{a.uuid}/") and ".." not in stored.file.name
    assert stored.file.path.startswith(str(settings.MEDIA_ROOT))
    assert verify(stored)
    with open(stored.file.path, "ab") as handle:
        handle.write(b"tampered")
    assert not verify(stored)


def test_store_upload_hashes_the_uploaded_bytes(orgs):
    a, _b, _people = orgs
    upload = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"x" * 5000, "image/png")
    stored = store_upload(organization=a, upload=upload)
    assert stored.size == 5008
    assert stored.sha256 == hashlib.sha256(b"\x89PNG\r\n\x1a\n" + b"x" * 5000).hexdigest()
    assert AuditEvent.objects.filter(action="documents.upload").exists()


def test_download_through_the_portal_is_recorded_and_checked(orgs, login):
    a, b, people = orgs
    stored = store_bytes(organization=a, data=b"%PDF-1.7 x", name="report.pdf",
                         title="Quarterly report")
    client = login(people["b"], b)
    response = client.get(f"/p/documents/{stored.uuid}/files/file/")
    assert response.status_code == 404
    assert not DocumentDownload.objects.exists()
    client = login(people["a"], a)
    response = client.get(f"/p/documents/{stored.uuid}/files/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 x"
    stored.refresh_from_db()
    assert stored.first_downloaded_at is not None
    assert DocumentDownload.objects.get().user == people["a"]
    listing = client.get("/p/documents/").content.decode()
    assert "Quarterly report" in listing and "First downloaded" in listing


def test_a_provider_download_does_not_count_as_the_clients_first(orgs):
    from apps.client_portal.core.tenancy import Access

    a, _b, _people = orgs
    stored = store_bytes(organization=a, data=b"x", name="a.txt")
    record_download(stored, Access.provider())
    stored.refresh_from_db()
    assert stored.first_downloaded_at is None
    assert stored.downloads.count() == 1
