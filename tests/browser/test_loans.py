"""The borrower signs in with a PESEL, opens a loan, repays through the fake gateway and
sees the repayment allocated."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.client_portal.billing.gateways.fake_server import FAKE_MERCHANT
from apps.client_portal.loans.models import Loan, Repayment

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

PESEL = "78062311879"  # Jan Testowy of loans/demo.py (invented, valid check digit)


@pytest.fixture
def fake_gateway_in_portal(browser_settings):
    browser_settings.FAKE_GATEWAY_ENABLED = True
    browser_settings.LOGIN_IDENTIFIERS = ["email", "phone", "national_id"]
    browser_settings.PAYMENT_GATEWAYS = {"redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "FAKE": True, "BASE_URL": "", **FAKE_MERCHANT}}
    return browser_settings


def test_borrower_repays_a_loan_online_and_sees_it_allocated(page, demo_live, shot,
                                                            fake_gateway_in_portal):
    loan = Loan.objects.get(number="PL-2025-0001")
    penalty = loan.penalty_accrued
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(PESEL)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    page.goto("/p/loans/")
    page.get_by_role("link", name="PL-2025-0001").first.click()
    expect(page.get_by_test_id("tab-schedule")).to_be_visible()
    shot(page, "loan")
    page.get_by_test_id("pay-link").click()
    page.locator("input[name=amount]").fill("250.00")
    page.locator("input[name=description]").fill("November instalment")
    page.get_by_test_id("loan-pay-submit").click()

    expect(page.get_by_test_id("fake-amount")).to_have_text("250.00 PLN")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("intent-status")).to_have_text("Paid")
    shot(page, "returned")

    page.get_by_test_id("payable-back").click()
    page.get_by_test_id("tab-repayments").click()
    table = page.locator("section[data-related=repayments] table")
    expect(table).to_contain_text("250.00")
    shot(page, "repayments")

    repayment = Repayment.objects.get(loan=loan, source=Repayment.Source.ONLINE)
    assert repayment.amount == Decimal("250.00")
    assert repayment.penalty == min(penalty, Decimal("250.00"))
    assert repayment.penalty + repayment.interest + repayment.principal + repayment.other \
        + repayment.deposit == Decimal("250.00")


def test_loan_head_figures_fit_a_phone_and_the_chart_speaks_the_pages_language(
        demo_live, open_page, sign_in):
    """Jan's active loan at 390 px, in English and in Polish: the head figures stay inside
    their boxes, nothing scrolls sideways, and the balance chart's axes format dates and
    amounts in the page's language."""
    from django.contrib.auth import get_user_model

    from tests.browser.test_widths import CHECK_JS

    loan = Loan.objects.get(number="PL-2025-0001")
    assert loan.amount >= 10000  # a wide figure to fit
    jan = demo_live.users["borrower_jan"]
    overflow_js = """() => [...document.querySelectorAll('.head-figures > div')]
        .filter((box) => box.scrollWidth > box.clientWidth + 1
                         || box.getBoundingClientRect().right > window.innerWidth)
        .map((box) => box.textContent.trim().replace(/\\s+/g, ' '))"""
    axes_js = """() => { const u = document.getElementById('loan-balance-chart').uplot;
        return [u.axes[0].values(u, [Date.UTC(2025, 10, 15, 12) / 1000])[0],
                u.axes[1].values(u, [10000])[0]]; }"""
    state = None
    for lang, locale, month, number in (("en", "en-GB", "Nov", "10,000"),
                                        ("pl", "pl-PL", "lis", "10\u00a0000")):
        get_user_model().objects.filter(pk=jan.pk).update(language=lang)
        tab = open_page(viewport={"width": 390, "height": 844}, locale=locale,
                        storage_state=state)
        if state is None:
            sign_in(tab, jan.email)
            state = tab.context.storage_state()
        assert tab.goto(loan.get_absolute_url()).status == 200
        assert tab.locator(".head-figures .money").count() >= 2
        assert tab.evaluate(overflow_js) == [], lang
        found = tab.evaluate(CHECK_JS)
        assert found["figures"] > 0 and found["problems"] == [], (lang, found["problems"])
        tab.wait_for_function("document.getElementById('loan-balance-chart').uplot")
        date_label, amount_label = tab.evaluate(axes_js)
        assert month in date_label and amount_label == number, (lang, date_label, amount_label)
