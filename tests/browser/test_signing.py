"""In Chromium: a client reads a contract, confirms the consent, draws a signature with
the mouse and signs; the request is sealed. On a phone, a finger draws in the same box."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.signing.models import SignatureRequest
from tests.signing.helpers import make_request

pytestmark = pytest.mark.browser


def _draw(page):
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 30 + step * 25, y + 120 - (step % 3) * 35, steps=3)
    page.mouse.up()


def test_draw_and_sign_a_contract(page, demo_live, sign_in, shot):
    req = make_request(demo_live, steps=[[{"role": Role.OWNER}]])
    sign_in(page, "owner@northwind.example.com")
    page.goto(f"/p/signatures/{req.uuid}/")
    page.get_by_role("link", name="Sign", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Test contract")
    expect(page.locator("#time-utc")).to_contain_text("UTC")
    expect(page.locator(".signing-consent")).to_contain_text("GDPR")

    # Nothing drawn, nothing typed: the page says so and sends nothing.
    page.locator("#consent-ok").check()
    page.get_by_role("button", name="Sign the document").click()
    expect(page.locator("#pad-empty")).to_be_visible()

    _draw(page)
    shot(page, "drawn")
    page.get_by_role("button", name="Sign the document").click()
    expect(page.locator(".messages")).to_contain_text("Signed")
    req.refresh_from_db()
    assert req.status == SignatureRequest.Status.SEALED
    signer = req.signers.get()
    assert signer.method == "drawn" and signer.image_sha256
    assert signer.signer_timezone  # the browser's zone, kept with the signature
    expect(page.get_by_role("link", name="Download signed PDF")).to_be_visible()
    shot(page, "sealed")


def test_a_finger_draws_on_a_phone(open_page, demo_live, sign_in):
    req = make_request(demo_live, steps=[[{"role": Role.OWNER}]])
    page = open_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    sign_in(page, "owner@northwind.example.com")
    page.goto(f"/signatures/{req.uuid}/sign/")
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    blank = canvas.evaluate("c => c.toDataURL()")
    box = canvas.bounding_box()
    # A finger stroke, as Chromium's touch input delivers it.
    cdp = page.context.new_cdp_session(page)
    points = [(box["x"] + 40 + i * 20, box["y"] + 60 + (i % 2) * 30) for i in range(8)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert canvas.evaluate("c => c.toDataURL()") != blank
    # The page fits the phone: no sideways scroll; nor does the verification page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto("/verify/")
    expect(page.locator("h1")).to_have_text("Check a signed document")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # In Romanian: the status badge wraps inside its card; the signing time is Romanian.
    get_user_model().objects.filter(pk=demo_live.users["owner"].pk).update(language="ro")
    page.goto(f"/p/signatures/{req.uuid}/")
    assert page.evaluate("document.documentElement.lang") == "ro"
    assert page.locator(".head-figures .pill").evaluate(
        "p => p.getBoundingClientRect().right <= p.closest('div').getBoundingClientRect().right"
        " && p.scrollWidth <= p.clientWidth")
    page.goto(f"/signatures/{req.uuid}/sign/")
    month = page.evaluate("new Intl.DateTimeFormat('ro', {month: 'long'}).format(new Date())")
    expect(page.locator("#time-local")).to_contain_text(month)
    expect(page.locator(".signing-consent")).to_contain_text("Prin semnare")


# --- the signer's own key, on the signing page ------------------------------------------
def _certificate_request(demo):
    from apps.client_portal.core.tenancy import Access
    from apps.client_portal.documents.signing import services

    req = make_request(demo, steps=[[{"provider": True}], [{"role": Role.MANAGER}]])
    SignatureRequest.objects.filter(pk=req.pk).update(method="certificate")
    req.refresh_from_db()
    services.sign(req, access=Access.provider(user=demo.users["admin"]))
    return req


def test_sign_the_act_with_a_pkcs12_file(page, demo_live, sign_in, shot):
    from apps.client_portal.documents.signing.crypto import testkeys

    req = _certificate_request(demo_live)
    password = "Demo-sign-2026"
    p12 = testkeys.make_pkcs12("rsa", password, name="Marek Manning")
    sign_in(page, "manager@northwind.example.com")
    page.goto(f"/signatures/{req.uuid}/sign/")
    page.wait_for_function("window.CertSign && window.CertSignPkijs")
    expect(page.locator(".signing-existing")).to_contain_text("intact")  # "before"
    page.locator("#consent-ok-cert").check()
    page.locator("#key-file").set_input_files(
        {"name": "marek.p12", "mimeType": "application/x-pkcs12", "buffer": p12})

    # A wrong password: the page says so, nothing is sent.
    page.locator("#key-password").fill("not-the-password")
    page.get_by_role("button", name="Sign with my key").click()
    expect(page.locator("#cert-error")).to_have_text("The password does not open this key file.")
    req.refresh_from_db()
    assert req.status == "open" and req.signers.get(step=2).pending_state is None

    page.locator("#key-password").fill(password)
    page.get_by_role("button", name="Sign with my key").click()
    page.wait_for_url(f"**/p/signatures/{req.uuid}/")
    shot(page, "sealed")
    req.refresh_from_db()
    assert req.status == "sealed"
    signer = req.signers.get(step=2)
    assert signer.method == "certificate" and "Marek Manning" in signer.certificate_subject


def test_sign_the_act_with_the_dstu_test_key(page, demo_live, sign_in):
    from pathlib import Path

    from apps.client_portal.documents.signing.crypto import dstu

    if not dstu.available():
        pytest.skip("no Node.js helper (apps/client_portal/documents/signing/node/setup.sh)")
    fixtures = Path(__file__).resolve().parent.parent / "signing" / "crypto" / "fixtures"
    req = _certificate_request(demo_live)
    sign_in(page, "manager@northwind.example.com")
    page.goto(f"/signatures/{req.uuid}/sign/")
    page.wait_for_function("window.CertSign && window.CertSignDstu")
    page.locator("#consent-ok-cert").check()
    page.locator("#dstu-key").set_input_files(str(fixtures / "dstu_key.dat"))
    page.locator("#dstu-cert").set_input_files(str(fixtures / "dstu_signer.cer"))
    page.locator("#dstu-password").fill("Test-dstu-2026")  # fixtures/README.md
    page.get_by_role("button", name="Sign with the DSTU key").click()
    page.wait_for_url(f"**/p/signatures/{req.uuid}/", timeout=30000)
    req.refresh_from_db()
    assert req.status == "sealed"
    signer = req.signers.get(step=2)
    assert signer.method == "upload" and "Olena Example" in signer.certificate_subject
    assert req.events.filter(kind="received").exists()
