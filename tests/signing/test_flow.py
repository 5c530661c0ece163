"""Two signers in order, the seal, pdfsig, verification and a byte changed.

PDF work is slow: each test here runs a whole flow and checks several things
on it, rather than one flow per assertion.
"""

import base64
import re

import pytest

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.signing import services
from apps.client_portal.documents.signing.models import EvidenceEvent, SignatureRequest, Signer

from .helpers import consent_hash, drawn_png, make_request, pdfsig, signature_blocks

pytestmark = pytest.mark.django_db


def _portal_sign(client, req, **extra):
    data = {"signature_image": "data:image/png;base64," + base64.b64encode(drawn_png()).decode(),
            "consent_ok": "1", "consent_sha256": consent_hash(), "timezone": "Europe/Bucharest"}
    data.update(extra)
    return client.post(f"/signatures/{req.uuid}/sign/", data)


def test_order_two_signers_seal_and_tamper(demo, login, client, tmp_path):
    req = make_request(demo)
    before = req.working.read()
    req.working.close()

    # The second signer first: refused through the portal page, the API and a copied link.
    manager = login(demo.users["manager"], demo.organizations["northwind"])
    page = manager.get(f"/signatures/{req.uuid}/sign/")
    assert page.status_code == 200
    assert "An earlier signer has not signed yet" in page.content.decode()
    assert 'id="sign-form"' not in page.content.decode()
    assert _portal_sign(manager, req).status_code == 409
    api = manager.post(f"/api/v1/signatures/{req.uuid}/sign/",
                       {"typed_name": "Marek Manning", "consent_sha256": consent_hash()},
                       content_type="application/json")
    assert api.status_code == 409, api.content
    assert "earlier signer" in api.json()["error"]["message"]
    req.refresh_from_db()
    assert req.working.read() == before
    assert list(req.signers.values_list("status", flat=True)) == ["pending", "waiting"]

    # A stranger with the copied link: the request does not exist for them.
    stranger = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    assert stranger.get(f"/signatures/{req.uuid}/sign/").status_code == 404
    assert stranger.post(f"/api/v1/signatures/{req.uuid}/sign/", {"typed_name": "X"},
                         content_type="application/json").status_code == 404

    # Consent not confirmed: refused, nothing kept.
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    assert owner.get(f"/signatures/{req.uuid}/sign/").status_code == 200
    response = _portal_sign(owner, req, consent_ok="")
    assert response.status_code == 400
    assert Signer.objects.get(request=req, step=1).status == "pending"

    # The owner draws and signs; then the manager signs by API with a typed name: sealed.
    response = _portal_sign(owner, req)
    assert response.status_code == 302, response.content
    manager = login(demo.users["manager"], demo.organizations["northwind"])
    api = manager.post(f"/api/v1/signatures/{req.uuid}/sign/",
                       {"typed_name": "Marek Manning", "consent_sha256": consent_hash(),
                        "timezone": "Europe/Warsaw"}, content_type="application/json")
    assert api.status_code == 200, api.content
    assert api.json()["status"] == "sealed"
    req.refresh_from_db()
    assert req.status == SignatureRequest.Status.SEALED and req.final_id
    signer = req.signers.get(step=1)
    assert signer.method == "drawn" and signer.consent_sha256 == consent_hash()
    assert signer.signer_timezone == "Europe/Bucharest" and signer.image_sha256
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds[0] == "created" and kinds[-1] == "sealed"
    assert {"viewed", "consent_shown", "signed"} <= set(kinds)
    assert services.verify_chain(req)["intact"]

    final = req.final.file.read()
    req.final.file.close()
    # pdfsig: every signature valid, the first one too, after the second and the seal.
    blocks = signature_blocks(pdfsig(final, tmp_path))
    assert set(blocks) >= {"provider-certification", "signer-1-1", "signer-2-1", "provider-seal"}
    for name in ("provider-certification", "signer-1-1", "signer-2-1", "provider-seal"):
        assert blocks[name] == "Signature is Valid.", (name, blocks)

    # The verification API and page: all intact and trusted, issued here.
    anonymous = client.__class__()
    result = anonymous.post("/api/v1/signatures/verify/",
                            {"file": _upload(final)}).json()
    assert result["issued_here"] is True
    signers = [s["signer"] for s in result["signatures"]]
    assert "Olivia Owens" in signers and "Marek Manning" in signers
    assert all(s["intact"] and s["trusted"] for s in result["signatures"]), result
    assert any(s["modification_level"] == "lta_updates" for s in result["signatures"])
    assert all(s["timestamp"] for s in result["signatures"])
    # The page: a plain verdict, the document timestamp named as one, times for people.
    html = anonymous.post("/verify/", {"file": _upload(final)}).content.decode()
    assert 'id="verdict"' in html and "Every signature is intact" in html
    assert "Document timestamp (" in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", html)  # no raw ISO times

    # One byte changed inside the signed content: not intact everywhere.
    at = final.index(b"A test document.")
    tampered = final[:at] + b"B" + final[at + 1:]
    result = anonymous.post("/api/v1/signatures/verify/", {"file": _upload(tampered)}).json()
    assert result["issued_here"] is False
    assert result["signatures"] and not any(s["intact"] for s in result["signatures"])
    page = anonymous.post("/verify/", {"file": _upload(tampered)})
    assert page.status_code == 200
    assert page.content.decode().count("Not intact") >= len(result["signatures"])
    assert "The file was changed after it was signed: the signatures of" in \
        page.content.decode() and "Olivia Owens" in page.content.decode()
    blocks = signature_blocks(pdfsig(tampered, tmp_path))
    assert blocks and all(line != "Signature is Valid." for line in blocks.values()), blocks

    # The evidence chain: an event edited afterwards is reported, with its number.
    event = req.events.get(kind=EvidenceEvent.Kind.SIGNED, signer=signer)
    EvidenceEvent.objects.filter(pk=event.pk).update(ip="203.0.113.9")
    check = services.verify_chain(req)
    assert check == {"intact": False, "events": check["events"], "broken_at": event.seq}
    detail = owner.get(f"/p/signatures/{req.uuid}/")
    assert f"Broken at event {event.seq}" in detail.content.decode()


def _upload(data, name="file.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_timestamp_server_down_then_retry(demo, login, settings):
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    before = req.working.read()
    req.working.close()
    events = req.events.count()
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/"  # nothing listens there
    response = _portal_sign(owner, req)
    assert response.status_code == 503
    assert "timestamp server did not answer" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "open" and req.final_id is None
    assert req.working.read() == before
    req.working.close()
    assert req.events.count() == events  # no "signed" event kept
    assert req.signers.get().status == "pending"

    settings.SIGNING_TSA_URL = ""
    response = _portal_sign(owner, req)
    assert response.status_code == 302, response.content
    req.refresh_from_db()
    assert req.status == "sealed" and req.final_id


def test_bad_uploads(client, settings):
    from .helpers import pdf

    response = client.post("/api/v1/signatures/verify/",
                           {"file": _upload(b"GIF89a not a pdf", "x.pdf")})
    assert response.status_code == 400
    assert "not a PDF" in response.json()["error"]["message"]
    page = client.post("/verify/", {"file": _upload(b"hello", "x.pdf")})
    assert page.status_code == 400 and "This file is not a PDF." in page.content.decode()
    assert client.post("/api/v1/signatures/verify/", {}).status_code == 400

    # 200 MB announced: refused before the body is read.
    response = client.post("/api/v1/signatures/verify/", {"file": _upload(b"%PDF-1.7")},
                           CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.json()["error"]["message"]
    # Over the limit while streaming (a body whose length is not announced honestly).
    settings.SIGNING_VERIFY_MAX_BYTES = 64 * 1024
    big = b"%PDF-1.7\n" + b"0" * (200 * 1024)
    response = client.post("/api/v1/signatures/verify/", {"file": _upload(big)})
    assert response.status_code == 413
    # An unsigned PDF: no signatures, not issued here.
    settings.SIGNING_VERIFY_MAX_BYTES = 20 * 1024 * 1024
    result = client.post("/api/v1/signatures/verify/",
                         {"file": _upload(pdf.simple_pdf("Plain", ["x"]))}).json()
    assert result == {"signatures": [], "issued_here": False}


def test_those_whose_turn_it_is_are_told(demo, django_capture_on_commit_callbacks):
    from apps.client_portal.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        req = make_request(demo)
    told = Notification.objects.filter(message="signing.to_sign", link__contains=str(req.uuid))
    assert set(told.values_list("user__email", flat=True)) == {"owner@northwind.example.com"}


def test_the_public_check_is_rate_limited(client, settings):
    from django.core.cache import cache

    settings.SIGNING_VERIFY_RATE = 2
    cache.delete("cp:signing:verify:127.0.0.1")
    answers = [client.post("/api/v1/signatures/verify/", {"file": _upload(b"not a pdf")})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    assert "wait a minute" in answers[-1].json()["error"]["message"]
    assert client.post("/verify/", {"file": _upload(b"x")}).status_code == 429
    cache.delete("cp:signing:verify:127.0.0.1")


def test_a_larger_signature_than_learnt_is_signed_all_the_same(demo):
    from apps.client_portal.documents.signing import pdf

    data = pdf.simple_pdf("Room", ["x"])
    prepared = pdf.prepare(data, title="Room", reference="R", verify_url="http://x/",
                           slots=[("signer-1-1", "Step 1")])
    pdf._reserved["plain"] = 2000  # far too little room: the signer estimates again
    signed = pdf.sign_for(prepared, field="signer-1-1", signer_name="Dana Example",
                          reason="Signed", when="now")
    assert pdf._reserved["plain"] > 4000
    assert [s["intact"] for s in pdf.verify(signed)] == [True, True]
