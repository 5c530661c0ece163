"""Registration by activation code in a browser: from the code to the first page after login."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Browser-Fresh-2026"


def test_registration_by_activation_code(demo_live, page, shot):
    from apps.client_portal.accounts import services
    from apps.client_portal.core.tenancy import Role

    _activation, code = services.activation_code_issue(
        organization=demo_live.organizations["northwind"], email="bea.browser@example.com",
        role=Role.MEMBER, person_name="Bea Browser", created_by=demo_live.users["admin"])

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Have an activation code?").click()
    page.get_by_label("Activation code").fill(code)
    page.get_by_label("Email").fill("bea.browser@example.com")
    shot(page, "code")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    link = re.search(r"https?://[^/\s]+(/accounts/activate/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("heading", name="Choose your login").wait_for()
    page.get_by_label("Login").fill("bea.b")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    shot(page, "choose-login")
    page.get_by_role("button", name="Create my login").click()
    page.get_by_text("Your account is ready").wait_for()

    page.locator("input[name=login]").fill("bea.browser@example.com")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=active-organization]").inner_text() == (
        "Northwind Trading SRL")
    assert page.get_by_role("link", name="People").count() == 0  # a Member sees no people


def test_wrong_code_is_explained(demo_live, page):
    page.goto("/accounts/activate/")
    page.get_by_label("Activation code").fill("AAAA-BBBB-CCCC")
    page.get_by_label("Email").fill("bea.browser@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("This code does not match this email address.").wait_for()
    assert not mail.outbox, [(m.subject, m.to) for m in mail.outbox]
