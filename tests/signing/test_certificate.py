"""The signer's own certificate through the signing module: after the provider, in order.

The browser's part (pkijs + WebCrypto) is tests/browser/test_signing_cert.py; here
Python signs ``to_sign`` as the browser would, through the same API the page calls.
"""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.client_portal.core.tenancy import Access, Role
from apps.client_portal.documents.signing import services
from apps.client_portal.documents.signing.crypto import testkeys

from .crypto.helpers import open_p12, webcrypto_sign
from .helpers import consent_hash, make_request, pdfsig, signature_blocks

pytestmark = pytest.mark.django_db

PASSWORD = "Demo-sign-2026"


def test_provider_then_own_certificate_then_seal(demo, login, tmp_path):
    req = make_request(demo, steps=[[{"provider": True}], [{"role": Role.MANAGER}]])
    req.method = "certificate"
    req.save(update_fields=["method"])
    key, certs = open_p12(testkeys.make_pkcs12("ec", PASSWORD), PASSWORD)
    manager = login(demo.users["manager"], demo.organizations["northwind"])
    body = {"certs": [base64.b64encode(c).decode() for c in certs],
            "consent_sha256": consent_hash()}

    # Before the provider: refused, like any signer out of turn.
    response = manager.post(f"/api/v1/signatures/{req.uuid}/certificate/prepare/", body,
                            content_type="application/json")
    assert response.status_code == 409, response.content
    # A drawn signature is not what this request asks for (after the provider signed).
    services.sign(req, access=Access.provider(user=demo.users["admin"]))
    assert manager.post(f"/api/v1/signatures/{req.uuid}/sign/", {"typed_name": "M"},
                        content_type="application/json").status_code == 409

    # The page offers the key file and the upload, and shows the provider's signature.
    page = manager.get(f"/signatures/{req.uuid}/sign/").content.decode()
    assert 'id="cert-form"' in page and 'id="upload-form"' in page
    assert "Signatures already on the document" in page

    # A detached .p7s of other bytes: a clear refusal, nothing kept.
    bogus = manager.post(f"/api/v1/signatures/{req.uuid}/upload/",
                         {"file": SimpleUploadedFile("x.p7s", b"0\x80 not cms")})
    assert bogus.status_code == 400 and bogus.json()["error"]["message"]

    prepared = manager.post(f"/api/v1/signatures/{req.uuid}/certificate/prepare/", body,
                            content_type="application/json")
    assert prepared.status_code == 200, prepared.content
    answer = prepared.json()
    assert set(answer) == {"to_sign", "hash", "key_type", "curve"} and answer["key_type"] == "EC"
    signature = webcrypto_sign(key, answer["to_sign"])
    done = manager.post(f"/api/v1/signatures/{req.uuid}/certificate/finish/",
                        {"signature": base64.b64encode(signature).decode(),
                         "timezone": "Europe/Kyiv"}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "sealed"
    req.refresh_from_db()
    signer = req.signers.get(step=2)
    assert signer.method == "certificate" and "Dana Example" in signer.certificate_subject
    assert signer.certificate_serial and signer.pending_state is None
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["signed", "sent", "received", "sealed"]
    final = req.final.file.read()
    req.final.file.close()
    blocks = signature_blocks(pdfsig(final, tmp_path))
    assert blocks["signer-1-1"] == blocks["signer-2-1"] == blocks["provider-seal"] \
        == "Signature is Valid.", blocks
    # The client's certificate is not under the site's CA: intact, not trusted.
    result = services.verify_pdf(final)
    client_sig = [s for s in result["signatures"] if s["signer"] == "Marek Manning"]
    assert client_sig and client_sig[0]["intact"] and not client_sig[0]["trusted"]
    assert result["issued_here"]
    # The page says what "not trusted" means there.
    from django.test import Client

    html = Client().post("/verify/", {"file": SimpleUploadedFile(
        "f.pdf", final, content_type="application/pdf")}).content.decode()
    assert 'id="untrusted-note"' in html and "not on this site" in html
