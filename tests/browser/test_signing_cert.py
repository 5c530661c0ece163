"""Signing with the signer's own PKCS#12 file in Chromium: the key stays in the page.

The test serves a bare page (this module is the URLconf for it) that loads the vendored
pkijs bundle and certsign.js; the server side is signing.crypto.pades, as the portal uses
it. The signed PDF is checked with pyHanko and poppler's pdfsig.
"""

import base64
import json
import shutil
from pathlib import Path

import pytest
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from playwright.sync_api import expect

from apps.client_portal.core.errors import Refused
from apps.client_portal.documents.signing.crypto import dstu, pades, testkeys, uploads
from tests.signing.crypto.helpers import pdfsig, tiny_pdf, validate_all

pytestmark = pytest.mark.browser

PASSWORD = "Test-sign-2026"
FIXTURES = Path(__file__).resolve().parents[1] / "signing" / "crypto" / "fixtures"
DSTU_PASSWORD = "Test-dstu-2026"  # fixtures/README.md
WRONG_PASSWORD_TEXT = "That password does not open the key file (page text)."
STORE: dict = {}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate signing test</title>
<script src="{pkijs}" defer></script>
<script src="{jkurwa}" defer></script>
<script src="{certsign}" defer></script>
<script src="/certsign-test/glue.js" defer></script></head>
<body><main id="certsign" data-msg-wrong-password="{wrong}">
<label>Key file <input type="file" id="key-file"></label>
<label>Password <input type="password" id="key-password"></label>
<button type="button" id="sign">Sign</button>
<fieldset><legend>DSTU 4145</legend>
<label>DSTU key <input type="file" id="dstu-key"></label>
<label>DSTU certificate <input type="file" id="dstu-cert"></label>
<label>DSTU password <input type="password" id="dstu-password"></label>
<button type="button" id="sign-dstu">Sign with the DSTU key</button></fieldset>
<p id="result" data-testid="result"></p><p id="error" data-testid="error" role="alert"></p>
</main></body></html>"""

GLUE = """
function post(url, body) {
  return fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                     body: JSON.stringify(body)})
    .then(function (r) { return r.json().then(function (j) {
      if (!r.ok) throw new Error(j.error); return j; }); });
}
document.getElementById("sign").addEventListener("click", function () {
  var root = document.getElementById("certsign");
  document.getElementById("result").textContent = "";
  document.getElementById("error").textContent = "";
  CertSign.sign({
    file: document.getElementById("key-file").files[0],
    password: document.getElementById("key-password").value,
    messages: root,
    prepare: function (certs) { return post("/certsign-test/prepare/", {certs: certs}); },
    finish: function (signature) { return post("/certsign-test/finish/", {signature: signature}); },
  }).then(function (answer) {
    document.getElementById("result").textContent = "Signed by " + answer.signer;
  }, function (err) {
    document.getElementById("error").textContent = err.message;
    document.getElementById("error").dataset.code = err.code || "";
  });
});
document.getElementById("sign-dstu").addEventListener("click", function () {
  var root = document.getElementById("certsign");
  document.getElementById("result").textContent = "";
  document.getElementById("error").textContent = "";
  fetch("/certsign-test/pdf/").then(function (r) { return r.arrayBuffer(); })
    .then(function (pdf) {
      return CertSign.signDstu({
        file: document.getElementById("dstu-key").files[0],
        certificates: Array.from(document.getElementById("dstu-cert").files),
        password: document.getElementById("dstu-password").value,
        data: pdf, messages: root,
      });
    })
    .then(function (p7s) { return post("/certsign-test/dstu/", {p7s: CertSign.toBase64(p7s)}); })
    .then(function (answer) {
      document.getElementById("result").textContent = "Signed by " + answer.signer;
    }, function (err) {
      document.getElementById("error").textContent = err.message;
      document.getElementById("error").dataset.code = err.code || "";
    });
});
"""


def page_view(request):
    return HttpResponse(PAGE.format(pkijs=static("signing/vendor/pkijs.bundle.js"),
                                    jkurwa=static("signing/vendor/jkurwa.bundle.js"),
                                    certsign=static("signing/certsign.js"),
                                    wrong=WRONG_PASSWORD_TEXT))


def glue_view(request):
    return HttpResponse(GLUE, content_type="text/javascript")


@csrf_exempt
def prepare_view(request):
    certs = [base64.b64decode(c) for c in json.loads(request.body)["certs"]]
    try:
        state = pades.prepare(STORE["pdf"], field_name="ClientSignature", certs_der=certs,
                              reason="Agreed", name="Dana Example")
    except Refused as exc:
        return JsonResponse({"error": exc.message}, status=400)
    STORE["state"] = state
    STORE["certs"] = certs
    return JsonResponse({k: state[k] for k in ("to_sign", "hash", "key_type", "curve")})


@csrf_exempt
def finish_view(request):
    signature = base64.b64decode(json.loads(request.body)["signature"])
    try:
        STORE["signed"] = pades.finish(STORE["state"], signature)
    except Refused as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse({"signer": "Dana Example"})


def pdf_view(request):
    return HttpResponse(STORE["pdf"], content_type="application/pdf")


@csrf_exempt
def dstu_view(request):
    p7s = base64.b64decode(json.loads(request.body)["p7s"])
    try:
        info = uploads.check_p7s(STORE["pdf"], p7s)
    except Refused as exc:
        return JsonResponse({"error": exc.message}, status=400)
    STORE["p7s"] = p7s
    STORE["dstu_info"] = info
    return JsonResponse({"signer": info.common_name})


urlpatterns = [
    path("certsign-test/pdf/", pdf_view),
    path("certsign-test/dstu/", dstu_view),
    path("certsign-test/", page_view),
    path("certsign-test/glue.js", glue_view),
    path("certsign-test/prepare/", csrf_exempt(prepare_view)),
    path("certsign-test/finish/", csrf_exempt(finish_view)),
]


@pytest.fixture
def signing_page(open_page, browser_settings):
    browser_settings.ROOT_URLCONF = __name__
    STORE.clear()
    STORE["pdf"] = tiny_pdf()
    page = open_page()
    STORE["sent"] = sent = []
    page.on("request", lambda request: sent.append(
        (request.url, request.post_data_buffer or b"")) if request.method == "POST" else None)
    page.goto("/certsign-test/")
    page.wait_for_function("window.CertSign && window.CertSignPkijs && window.CertSignDstu")
    return page


def assert_key_not_sent(posted, key_file: bytes, password: str):
    for _url, body in posted:
        assert password.encode() not in body
        for chunk in (key_file[:48], key_file[-48:]):
            assert chunk not in body and base64.b64encode(chunk)[:60] not in body


def choose_key(page, p12: bytes, password: str):
    page.locator("#key-file").set_input_files(
        {"name": "signer.p12", "mimeType": "application/x-pkcs12", "buffer": p12})
    page.locator("#key-password").fill(password)
    page.get_by_role("button", name="Sign", exact=True).click()


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_sign_with_a_pkcs12_file(signing_page, kind, tmp_path, shot):
    ca = testkeys.make_ca()
    p12 = testkeys.make_pkcs12(kind, PASSWORD, ca=ca)
    choose_key(signing_page, p12, PASSWORD)
    expect(signing_page.get_by_test_id("result")).to_have_text("Signed by Dana Example")
    expect(signing_page.get_by_test_id("error")).to_have_text("")
    shot(signing_page, "signed")

    # The key stays in the page: the server got certificates, then a signature value.
    posted = STORE["sent"]
    assert [url.rsplit("/", 2)[-2] for url, _ in posted] == ["prepare", "finish"]
    assert set(json.loads(posted[0][1])) == {"certs"}
    assert set(json.loads(posted[1][1])) == {"signature"}
    assert_key_not_sent(posted, p12, PASSWORD)

    signed = STORE["signed"]
    assert signed.startswith(STORE["pdf"])
    assert STORE["state"]["key_type"] == {"rsa": "RSA", "ec": "EC"}[kind]
    # The signer's certificate came first, then the CA's.
    assert STORE["certs"][1] == ca.certificate_der
    [status] = validate_all(signed, ca.certificate_der)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Dana Example"
    if shutil.which("pdfsig"):
        report = pdfsig(signed, tmp_path)
        assert "Signature Validation: Signature is Valid." in report, report


def test_a_wrong_password_gives_the_page_message(signing_page):
    choose_key(signing_page, testkeys.make_pkcs12("ec", PASSWORD), "not-the-password")
    expect(signing_page.get_by_test_id("error")).to_have_text(WRONG_PASSWORD_TEXT)
    assert signing_page.get_by_test_id("error").get_attribute("data-code") == "wrong_password"
    assert "state" not in STORE  # nothing reached the server


def test_an_old_3des_pkcs12_gets_its_own_message(signing_page):
    choose_key(signing_page, testkeys.make_pkcs12("rsa", PASSWORD, legacy=True), PASSWORD)
    expect(signing_page.get_by_test_id("error")).to_contain_text("old encryption (3DES or RC2)")
    assert signing_page.get_by_test_id("error").get_attribute("data-code") == "legacy_file"
    assert "state" not in STORE


def test_a_file_that_is_not_a_key_file(signing_page):
    signing_page.locator("#key-file").set_input_files(
        {"name": "notes.p12", "mimeType": "application/x-pkcs12", "buffer": b"hello there"})
    signing_page.locator("#key-password").fill(PASSWORD)
    signing_page.get_by_role("button", name="Sign", exact=True).click()
    expect(signing_page.get_by_test_id("error")).to_have_text(
        "This file is not a key file that can be read here (.p12 or .pfx).")
    assert "state" not in STORE


def choose_dstu_key(page, password):
    page.locator("#dstu-key").set_input_files(str(FIXTURES / "dstu_key.dat"))
    page.locator("#dstu-cert").set_input_files(str(FIXTURES / "dstu_signer.cer"))
    page.locator("#dstu-password").fill(password)
    page.get_by_role("button", name="Sign with the DSTU key").click()


@pytest.mark.skipif(not dstu.available(), reason="DSTU needs Node.js and signing/node/setup.sh")
def test_sign_with_the_dstu_test_key(signing_page, shot):
    choose_dstu_key(signing_page, DSTU_PASSWORD)
    expect(signing_page.get_by_test_id("result")).to_have_text("Signed by Olena Example",
                                                              timeout=20000)
    shot(signing_page, "dstu-signed")
    posted = STORE["sent"]
    assert [url.rsplit("/", 2)[-2] for url, _ in posted] == ["dstu"]
    assert set(json.loads(posted[0][1])) == {"p7s"}
    assert_key_not_sent(posted, (FIXTURES / "dstu_key.dat").read_bytes(), DSTU_PASSWORD)
    info = STORE["dstu_info"]
    assert info.method == "dstu_p7s"
    assert "CN=Olena Example" in info.subject and "CN=Example DSTU Test CA" in info.issuer
    # The server's helper rejects the same signature over other bytes.
    with pytest.raises(Refused):
        dstu.verify(STORE["pdf"] + b"\n", STORE["p7s"])


def test_a_wrong_dstu_password(signing_page):
    choose_dstu_key(signing_page, "not-the-password")
    expect(signing_page.get_by_test_id("error")).to_have_text(WRONG_PASSWORD_TEXT,
                                                             timeout=20000)
    assert signing_page.get_by_test_id("error").get_attribute("data-code") == "wrong_password"
    assert "p7s" not in STORE
