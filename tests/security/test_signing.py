"""Signing's own doors, as an outsider: the signing page, the PDF it shows, the API's
sign endpoint, the signed PDF's download, the evidence; and the roles inside.

The generated doors (list, detail, download, export, actions) of ``signatures`` and
``signature-evidence`` are swept by test_sweep_doors.py; this walks what the signing
module adds by hand, on a northwind request.
"""

import pytest

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.signing.models import EvidenceEvent, SignatureRequest

pytestmark = pytest.mark.django_db


def _northwind_rows():
    req = SignatureRequest.objects.filter(organization__client_code="C-1001",
                                          status="open").order_by("pk").first()
    sealed = SignatureRequest.objects.filter(organization__client_code="C-1001",
                                             status="sealed").order_by("pk").first()
    return req, sealed


def _no_leak(response, *texts):
    body = response.content.decode(errors="replace")
    for text in texts:
        assert str(text) not in body, text


def test_outsider_reaches_nothing(demo, login):
    req, sealed = _northwind_rows()
    assert req is not None and sealed is not None and sealed.final_id
    event = EvidenceEvent.objects.filter(request=sealed).first()
    client = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    secrets = [req.title, sealed.title, req.reference, sealed.reference, sealed.final.sha256]
    for method, path in [
        ("get", f"/signatures/{req.uuid}/sign/"),
        ("post", f"/signatures/{req.uuid}/sign/"),
        ("get", f"/signatures/{sealed.uuid}/document.pdf"),
        ("get", f"/p/signatures/{sealed.uuid}/"),
        ("get", f"/p/signatures/{sealed.uuid}/files/final/"),
        ("get", f"/p/signature-evidence/{event.uuid}/"),
        ("get", f"/api/v1/signatures/{sealed.uuid}/"),
        ("get", f"/api/v1/signatures/{sealed.uuid}/files/final/"),
        ("get", f"/api/v1/signature-evidence/{event.uuid}/"),
        ("post", f"/api/v1/signatures/{req.uuid}/sign/"),
        ("get", f"/p/documents/{sealed.final.uuid}/"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, (path, response.status_code)
        _no_leak(response, *secrets)
    # The same addresses answer the northwind Owner: the 404s above are the predicate's.
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    for path in (f"/signatures/{req.uuid}/sign/", f"/p/signatures/{sealed.uuid}/",
                 f"/p/signature-evidence/{event.uuid}/", f"/api/v1/signatures/{sealed.uuid}/",
                 f"/api/v1/signature-evidence/{event.uuid}/"):
        assert owner.get(path).status_code == 200, path
    client = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    # Their own lists hold none of it.
    for path in ("/p/signatures/", "/api/v1/signatures/", "/api/v1/signature-evidence/",
                 "/p/documents/"):
        response = client.get(path)
        assert response.status_code == 200
        _no_leak(response, req.title, sealed.title, str(req.uuid), str(event.uuid))


def test_inside_the_organization_roles_decide(demo, login):
    req, sealed = _northwind_rows()
    # The first step needs an Owner: a Viewer reads the request but may not sign it.
    viewer = login(demo.users["viewer"], demo.organizations["northwind"])
    assert viewer.get(f"/p/signatures/{req.uuid}/").status_code == 200
    page = viewer.get(f"/signatures/{req.uuid}/sign/")
    assert page.status_code == 200 and 'id="sign-form"' not in page.content.decode()
    assert viewer.post(f"/signatures/{req.uuid}/sign/", {"typed_name": "V"}).status_code == 403
    assert viewer.post(f"/api/v1/signatures/{req.uuid}/sign/", {"typed_name": "V"},
                       content_type="application/json").status_code == 403
    # Staff actions are not the client's: Cancel answers 403/404, the request stays open.
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    response = owner.post(f"/api/v1/signatures/{req.uuid}/actions/cancel/")
    assert response.status_code in (403, 404)
    req.refresh_from_db()
    assert req.status == "open"
    assert Role.OWNER in [s.role for s in req.signers.all()]


def test_public_verification_tells_nothing_of_other_requests(client):
    # The public page answers only about the uploaded file: no titles, no names listed.
    page = client.get("/verify/")
    assert page.status_code == 200
    _no_leak(page, "Service contract", "Northwind")
