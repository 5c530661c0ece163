"""What the security review found in the signing module, each now refused or fixed.

- an uploaded PDF may not change the document (the provider's certification must stay
  intact, nothing but the signer's own field filled);
- an upload fills the uploader's own field only, and only on a certificate request;
- a person named in a step signs their named slot, not a role slot beside it;
- co-signers preparing at once each keep their own signing session;
- the client API does not list the IP address and browser of each event;
- reloading the sign page does not grow the evidence chain.
"""

import base64
import io

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from apps.client_portal.core.errors import Refused
from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.signing import pdf, services
from apps.client_portal.documents.signing.crypto import testkeys
from apps.client_portal.documents.signing.crypto.pades import run
from apps.client_portal.documents.signing.models import EvidenceEvent

from .crypto.helpers import open_p12, webcrypto_sign
from .crypto.test_uploads import desktop_sign
from .helpers import consent_hash, make_request

pytestmark = pytest.mark.django_db

PASSWORD = "Demo-sign-2026"


@pytest.fixture(scope="module")
def ca():
    return testkeys.make_ca()


def _certificate_request(demo, steps):
    req = make_request(demo, steps=steps)
    req.method = "certificate"
    req.save(update_fields=["method"])
    return req


def _working(req) -> bytes:
    with req.working.open("rb") as handle:
        return handle.read()


def _upload(client, req, data):
    return client.post(f"/api/v1/signatures/{req.uuid}/upload/",
                       {"file": SimpleUploadedFile("signed.pdf", data),
                        "consent_sha256": consent_hash()})


def _sign_rewriting_the_page(data: bytes, signer, field: str) -> bytes:
    """A desktop signature whose revision also replaces the page's content."""
    key, cert, ca = signer
    pyhanko_signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.certificate_der)]))
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page[generic.pdf_name("/Contents")] = writer.add_object(generic.StreamObject(
        stream_data=b"BT /F1 18 Tf 60 780 Td (PRICE: 1 EUR) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    meta = signers.PdfSignatureMetadata(field_name=field,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    run(signers.PdfSigner(meta, signer=pyhanko_signer).async_sign_pdf(writer, output=out))
    return out.getvalue()


# --- 1. the upload may not change the document ------------------------------------------

def test_an_upload_that_rewrites_the_page_is_refused(demo, login, ca):
    req = _certificate_request(demo, [[{"role": Role.OWNER}], [{"provider": True}]])
    before = _working(req)
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    me = testkeys.make_signer("rsa", ca=ca, name="Olivia Owner")

    tampered = _sign_rewriting_the_page(before, me, "signer-1-1")
    response = _upload(owner, req, tampered)
    assert response.status_code == 400, response.content
    assert "changed" in response.json()["error"]["message"]
    req.refresh_from_db()
    assert _working(req) == before
    assert req.signers.get(step=1).status == "pending"

    # The same signer, signing only: accepted; the provider signs at once and seals.
    response = _upload(owner, req, desktop_sign(before, me, "signer-1-1"))
    assert response.status_code == 200, response.content
    req.refresh_from_db()
    assert req.status == "sealed"
    final = req.final.file.read()
    assert services.verify_pdf(final)["issued_here"] is True
    assert b"PRICE: 1 EUR" not in final


# --- 2. one's own field, on a certificate request only ----------------------------------

def test_an_upload_into_a_later_signers_field_is_refused(demo, login, ca):
    req = _certificate_request(demo, [[{"role": Role.OWNER}], [{"user": demo.users["manager"]}]])
    before = _working(req)
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    forged = desktop_sign(before, testkeys.make_signer("rsa", ca=ca, name="Marek Manning"),
                          "signer-2-1")
    response = _upload(owner, req, forged)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"]
    req.refresh_from_db()
    assert _working(req) == before
    assert [s.status for s in req.signers.order_by("step")] == ["pending", "waiting"]

    # Two signatures in one upload (one's own and the next signer's): refused too.
    me = testkeys.make_signer("rsa", ca=ca, name="Olivia Owner")
    both = desktop_sign(desktop_sign(before, me, "signer-1-1"), me, "signer-2-1")
    assert _upload(owner, req, both).status_code == 400
    req.refresh_from_db()
    assert _working(req) == before


def test_no_upload_nor_key_file_on_a_drawn_request(demo, login, ca):
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    assert req.method == "drawn"
    before = _working(req)
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    signed = desktop_sign(before, testkeys.make_signer("rsa", ca=ca, name="Olivia Owner"),
                          "signer-1-1")
    response = _upload(owner, req, signed)
    assert response.status_code == 409, response.content
    key, certs = open_p12(testkeys.make_pkcs12("ec", PASSWORD), PASSWORD)
    response = owner.post(f"/api/v1/signatures/{req.uuid}/certificate/prepare/",
                          {"certs": [base64.b64encode(c).decode() for c in certs],
                           "consent_sha256": consent_hash()}, content_type="application/json")
    assert response.status_code == 409, response.content
    req.refresh_from_db()
    assert _working(req) == before and req.signers.get().status == "pending"


def test_a_filled_field_is_a_refusal_not_a_crash(demo):
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    signed = pdf.sign_for(_working(req), field="signer-1-1", signer_name="Olivia Owner",
                          reason="Signed", when="now")
    with pytest.raises(Refused):
        pdf.sign_for(signed, field="signer-1-1", signer_name="Olivia Owner",
                     reason="Signed", when="now")


# --- 4. the named slot first ------------------------------------------------------------

def test_a_named_slot_is_taken_before_a_role_slot(demo, login):
    req = make_request(demo, steps=[[{"role": Role.MEMBER}, {"user": demo.users["manager"]}]])
    body = {"typed_name": "Signed", "consent_sha256": consent_hash()}
    manager = login(demo.users["manager"], demo.organizations["northwind"])
    response = manager.post(f"/api/v1/signatures/{req.uuid}/sign/", body,
                            content_type="application/json")
    assert response.status_code == 200, response.content
    named = req.signers.get(kind="user")
    assert named.status == "signed" and named.signed_by == demo.users["manager"]
    member = login(demo.users["member"], demo.organizations["northwind"])
    response = member.post(f"/api/v1/signatures/{req.uuid}/sign/", body,
                           content_type="application/json")
    assert response.status_code == 200, response.content
    req.refresh_from_db()
    assert req.status == "sealed"


def test_one_slot_per_person_per_step(demo):
    with pytest.raises(Refused):
        make_request(demo, steps=[[{"user": demo.users["manager"]},
                                   {"user": demo.users["manager"]}]])


# --- 5. each co-signer's own signing session ---------------------------------------------

def test_co_signers_keep_their_own_prepared_signature(demo, login, client):
    req = _certificate_request(demo, [[{"role": Role.MEMBER}, {"role": Role.MEMBER}]])
    key_a, certs_a = open_p12(testkeys.make_pkcs12("ec", PASSWORD), PASSWORD)
    key_b, certs_b = open_p12(testkeys.make_pkcs12("rsa", PASSWORD), PASSWORD)

    def prepare(who, certs):
        browser = login(demo.users[who], demo.organizations["northwind"])
        response = browser.post(f"/api/v1/signatures/{req.uuid}/certificate/prepare/",
                                {"certs": [base64.b64encode(c).decode() for c in certs],
                                 "consent_sha256": consent_hash()},
                                content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    def finish(who, key, prepared):
        client.logout()
        browser = login(demo.users[who], demo.organizations["northwind"])
        return browser.post(f"/api/v1/signatures/{req.uuid}/certificate/finish/",
                            {"signature": base64.b64encode(
                                webcrypto_sign(key, prepared["to_sign"])).decode()},
                            content_type="application/json")

    prepared_a = prepare("manager", certs_a)
    client.logout()
    prepared_b = prepare("member", certs_b)
    # B prepared after A: A's session is still A's own, and A signs.
    response = finish("manager", key_a, prepared_a)
    assert response.status_code == 200, response.content
    signed = req.signers.get(signed_by=demo.users["manager"])
    assert signed.status == "signed" and signed.method == "certificate"
    # B's session was for the slot A has just signed: B is told to start again.
    response = finish("member", key_b, prepared_b)
    assert response.status_code in (400, 409), response.content
    assert response.json()["error"]["message"]
    req.refresh_from_db()
    assert req.status == "open"
    # Another person cannot finish a session they did not prepare.
    client.logout()
    prepared_b = prepare("member", certs_b)
    response = finish("owner", key_b, prepared_b)
    assert response.status_code in (400, 409), response.content
    # B, again, finishes their own.
    response = finish("member", key_b, prepared_b)
    assert response.status_code == 200, response.content
    req.refresh_from_db()
    assert req.status == "sealed"


# --- 6. no IP addresses through the client API -------------------------------------------

def test_the_client_api_does_not_list_ips_and_browsers(demo, login):
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    owner.get(f"/signatures/{req.uuid}/sign/", HTTP_USER_AGENT="ExampleBrowser/1.0")
    event = req.events.filter(kind=EvidenceEvent.Kind.VIEWED).get()
    assert event.ip and event.user_agent == "ExampleBrowser/1.0"
    viewer = login(demo.users["viewer"], demo.organizations["northwind"])
    listed = viewer.get("/api/v1/signature-evidence/").content.decode()
    one = viewer.get(f"/api/v1/signature-evidence/{event.uuid}/")
    assert one.status_code == 200, one.content
    for text in (listed, one.content.decode()):
        assert "ExampleBrowser" not in text and event.ip not in text
    assert "user_agent" not in one.json() and "ip" not in one.json()


# --- 8. reloading the page does not grow the chain ---------------------------------------

def test_reloading_the_sign_page_records_one_view(demo, login):
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    for _ in range(3):
        assert owner.get(f"/signatures/{req.uuid}/sign/").status_code == 200
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds.count(EvidenceEvent.Kind.VIEWED) == 1
    assert kinds.count(EvidenceEvent.Kind.CONSENT_SHOWN) == (1 if req.consent_id else 0)
    assert services.verify_chain(req)["intact"]
