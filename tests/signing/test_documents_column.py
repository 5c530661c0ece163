"""The client's Documents list shows each document's signature state."""

import pytest

from apps.client_portal.documents.signing.models import SignatureRequest

pytestmark = pytest.mark.django_db


def test_documents_list_shows_the_signature_state(demo, login):
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    sealed = SignatureRequest.objects.get(title="Framework agreement 2025")
    html = owner.get("/p/documents/?page_size=100").content.decode()
    rows = {}
    for row in html.split("<tr")[1:]:
        for title in ("Service contract 2026-14", "Framework agreement 2025"):
            if f">{title}<" in row:
                rows[title] = row
    assert "Awaiting signatures" in rows["Service contract 2026-14"]
    assert ">Signed<" in rows["Framework agreement 2025"]
    assert "Awaiting signatures" not in rows["Framework agreement 2025"]
    api = owner.get(f"/api/v1/documents/{sealed.final.uuid}/").json()
    assert api["display_title"] == "Signed: Framework agreement 2025"
